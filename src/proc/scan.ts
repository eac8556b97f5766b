import type { ByteString } from '../event/index.js';
import { listPids, readCmdline, readExe, readProcStat, readUid, type ProcStat } from './stat.js';

/** A process running when recording started, read from /proc. */
export interface SeedProcess {
  pid: number;
  startTicks: number;
  parentPid: number;
  parentStartTicks: number | null;
  uid: number | null;
  comm: ByteString;
  exe: ByteString | null;
  argv: ByteString[] | null;
}

/** Every process now, with its parent key, exe and argv (exact bytes). Processes that exit meanwhile are skipped. */
export function scanProcesses(root = '/proc'): SeedProcess[] {
  const stats = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = listPids(root);
  } catch {
    return [];
  }
  for (const n of names) {
    const s = readProcStat(n, root);
    if (s) stats.set(Number(n), s);
  }
  const out: SeedProcess[] = [];
  for (const [pid, s] of stats) {
    const argv = readCmdline(pid, root);
    out.push({
      pid,
      startTicks: s.startTicks,
      parentPid: s.ppid,
      parentStartTicks: stats.get(s.ppid)?.startTicks ?? null,
      uid: readUid(pid, root) ?? null,
      comm: s.comm,
      exe: readExe(pid, root) ?? null,
      argv: argv?.length ? argv : null,
    });
  }
  return out;
}
