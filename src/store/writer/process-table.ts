import type { TraceEvent } from '../../event/index.js';
import { facetsOf, type ProcessFact } from '../../probes/index.js';
import { scanProcesses } from '../../proc/index.js';
import { bootOffsetNs } from '../host.js';
import { argvValues, rawValue, textValue } from './row-encoder.js';
import type { SqlOp } from './writer-protocol.js';

const PROCESS_COLS = 'boot_id, pid, start_ticks, parent_pid, parent_start_ticks, uid, comm, comm_raw, exe, exe_raw, argv, argv_raw, start_ns, exit_ns, exit_code, source';
const PROCESS_PH = PROCESS_COLS.split(',').map(() => '?').join(', ');
const UPSERT_SEED = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH}) ON CONFLICT (boot_id, pid, start_ticks) DO NOTHING RETURNING id`;
const UPSERT_FORK = `INSERT INTO processes (${PROCESS_COLS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, p.exe, p.exe_raw, p.argv, p.argv_raw, ?, NULL, NULL, 'fork'
  FROM (SELECT 1) LEFT JOIN processes p ON p.boot_id = ? AND p.pid = ? AND p.start_ticks = ? WHERE true
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET start_ns = coalesce(start_ns, excluded.start_ns), parent_pid = excluded.parent_pid, parent_start_ticks = excluded.parent_start_ticks RETURNING id`;
const UPSERT_EXEC = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH})
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET uid = excluded.uid, comm = excluded.comm, comm_raw = excluded.comm_raw,
  exe = excluded.exe, exe_raw = excluded.exe_raw, argv = excluded.argv, argv_raw = excluded.argv_raw RETURNING id`;
const UPSERT_EXIT = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH})
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET exit_ns = excluded.exit_ns, exit_code = excluded.exit_code RETURNING id`;
// An exec with the full argv (a lifecycle record keeps 1 KiB) but no start time: the live process of that pid.
const UPDATE_FROM_EXEC = `UPDATE processes SET exe = ?, exe_raw = ?, argv = ?, argv_raw = ?, comm = ?, comm_raw = ?, uid = ?
  WHERE id = (SELECT id FROM processes WHERE boot_id = ? AND pid = ? AND exit_ns IS NULL ORDER BY start_ticks DESC LIMIT 1) RETURNING id`;

// Every statement ends RETURNING id: the writer chains the rows it wrote in place as chain_updates (chain-writer.ts).

/**
 * The capture's process table as statements: one upsert per fact a probe
 * declares about a process's life (its `processFact` facet: fork, exec,
 * exit), and the seed from /proc. The store names no probe: any probe whose
 * facet answers feeds the table.
 */
export class ProcessTable {
  /** CLOCK_BOOTTIME - CLOCK_MONOTONIC: turns start_ticks into an approximate monotonic start. */
  private readonly bootOff = bootOffsetNs();

  constructor(private readonly bootId: string) {}

  /** The process fact of probe `name`'s events (undefined: that probe declares no process rows). */
  factOf(name: string): ((e: TraceEvent) => ProcessFact | undefined) | undefined {
    return facetsOf(name)?.processFact;
  }

  /** The statement that writes what `f` (from event `e`) says of a process's life. */
  rowOf(e: TraceEvent, f: ProcessFact): SqlOp {
    const comm = e.comm;
    if (f.kind === 'fork') {
      return { sql: UPSERT_FORK, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), e.ts, this.bootId, f.parentPid, f.parentStartTicks] };
    }
    if (f.kind === 'exit') {
      return { sql: UPSERT_EXIT, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), null, null, null, null, this.approxStart(f.startTicks), e.ts, f.exitCode, 'exit'] };
    }
    const [argv, argvRaw] = argvValues(f.argv);
    if (f.startTicks !== undefined) {
      return { sql: UPSERT_EXEC, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), textValue(f.exe), rawValue(f.exe), argv, argvRaw, this.approxStart(f.startTicks), null, null, 'exec'] };
    }
    // No start time (the full-argv exec): the live process of that pid.
    return { sql: UPDATE_FROM_EXEC, p: [textValue(f.exe), rawValue(f.exe), argv, argvRaw, textValue(e.comm), rawValue(e.comm), e.uid, this.bootId, e.pid] };
  }

  /** One row per process running now (from `procRoot`); rows already made from events win. */
  seed(procRoot = '/proc'): SqlOp[] {
    return scanProcesses(procRoot).map((p) => {
      const [argv, argvRaw] = argvValues(p.argv);
      return {
        sql: UPSERT_SEED,
        p: [this.bootId, p.pid, p.startTicks, p.parentPid, p.parentStartTicks, p.uid, textValue(p.comm), rawValue(p.comm), textValue(p.exe), rawValue(p.exe),
          argv, argvRaw, p.startTicks * 1e7 - this.bootOff, null, null, 'proc'],
      };
    });
  }

  /** Monotonic ns of a start in clock ticks, to within a tick (a fork event, when seen, gives the exact one). */
  private approxStart(ticks: unknown): number | null {
    return typeof ticks === 'number' ? ticks * 1e7 - this.bootOff : null;
  }
}
