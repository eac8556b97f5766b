import { readProcStat } from '../../proc/index.js';
import { bootOffsetNs, hostFacts } from '../host.js';

/**
 * Why a capture has no end (capture.end_ns NULL), as far as this host can tell:
 * - recording: its recorder (same boot, pid alive, started before the capture) still runs;
 * - no-wal: it is in WAL form but has no -wal beside it: copied without it (or
 *   its recorder closed without finalizing), so what was committed after the
 *   last checkpoint is not in this file;
 * - died: neither: the recorder died (ebpfsh recover closes the gap).
 */
export type UnfinishedReason = 'recording' | 'no-wal' | 'died';

/** What a reader knows of a capture that was never finalized. */
export interface Unfinished {
  reason: UnfinishedReason;
  /** The recording process (capture.recorder_pid). */
  recorderPid: number;
  /** The file is in WAL form and no -wal is beside it: committed rows may be missing from it. */
  walMissing: boolean;
}

/** Whether /proc/PID is the recorder: alive, on the capture's boot, and started before the capture (not a reused pid). */
export function recorderRunning(pid: number, bootId: string, startNs: number, procRoot = '/proc'): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || bootId !== hostFacts().bootId) return false;
  const st = readProcStat(pid, procRoot);
  if (!st || !Number.isFinite(st.startTicks)) return false;
  // stat's start time is CLOCK_BOOTTIME ticks (USER_HZ = 100 on Linux); start_ns is CLOCK_MONOTONIC.
  const startedNs = st.startTicks * 1e7;
  return startedNs <= startNs + bootOffsetNs() + 2e9;
}

/** Classifies an unfinalized capture from its capture row and what lies beside the file. */
export function classifyUnfinished(row: { recorderPid: number; bootId: string; startNs: number }, file: { walForm: boolean; walBeside: boolean }): Unfinished {
  const walMissing = file.walForm && !file.walBeside;
  const reason: UnfinishedReason = recorderRunning(row.recorderPid, row.bootId, row.startNs) ? 'recording' : walMissing ? 'no-wal' : 'died';
  return { reason, recorderPid: row.recorderPid, walMissing };
}
