import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Attachment, Engine, ProbeCounters, ReaderHealth } from '../engine/index.js';
import { explainFilters, filtersText, type Filters, type TraceEvent } from '../event/index.js';
import { PROBES, facetsOf, type ProbeFacets, type ProbeSpec, type ProcessFact } from '../probes/index.js';
import { createCapture } from './capture-file.js';
import { CaptureError } from './errors.js';
import { bootOffsetNs, hostFacts } from './host.js';
import { scanProcesses } from '../proc/index.js';
import { RowEncoder, argvValues, rawValue, textValue } from './rows.js';
import { finalizeIndexSql, ident } from './schema.js';

/** Options of a recording. */
export interface RecorderOptions {
  /** ebpfsh version written to capture.tool_version. */
  toolVersion: string;
  /** The command line that records (capture.command_line). */
  commandLine?: string[];
  /** Monotonic -> wall offset (engine.clock.offsetNs); sampled here when no engine is given. */
  clockOffsetNs?: number;
  /** Commit at least this often (ms). */
  batchMs?: number;
  /** ... or when this many rows wait. */
  batchRows?: number;
  /** Rows waiting or being written beyond which new events are dropped (counted as cause=writer). */
  maxQueueRows?: number;
  /** PRAGMA synchronous of the writer: NORMAL survives a crash of ebpfsh (WAL), FULL also a power cut. */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /** Bytes kept in reserve for the disk-full path. */
  reserveBytes?: number;
  /** Loss counters are written per interval of this length. */
  lossIntervalMs?: number;
}

/** How a recording ended. */
export interface StopResult {
  reason: string;
  /** Event rows committed. */
  rows: number;
  /** Events dropped because the writer could not keep up, or after disk full. */
  dropped: number;
  /** Final size of the capture file. */
  bytes: number;
  /** 'delete' when the capture is one self-contained file; 'wal' when the -wal file must travel with it. */
  journalMode: string;
  /** Set when recording stopped on an error (disk full, writer failure). */
  error?: CaptureError;
}

/** Live figures of a recording. */
export interface RecorderStats {
  rows: number;
  dropped: number;
  queued: number;
  batches: number;
  /** Wall-clock ms the writer spent in transactions. */
  writeMs: number;
  /** CPU ms of the writer thread so far (Linux; undefined when unknown): what the writer costs whatever the load. */
  writerCpuMs?: number;
}

/** What the writer thread needs to insert a probe table's columnar rows (sent with each batch; small). */
interface TableDesc {
  /** Statements with every column ("full") or without the raw twins ("lean"), for 1 and k rows. */
  lean1: string;
  leanK: string;
  full1: string;
  fullK: string;
  k: number;
  /** Numbers per row in ints. */
  slots: number;
  leanPlan: number[];
  fullPlan: number[];
}

/** A statement with its parameters, or a columnar batch of one probe table. */
interface Op {
  sql?: string;
  p?: unknown[];
  d?: TableDesc;
  rows?: number;
  ints?: Float64Array;
  strs?: string[];
  raws?: (number | Uint8Array)[];
}

interface TableBuf {
  probe: string;
  enc: RowEncoder;
  d: TableDesc;
  /** Row capacity of ints. */
  cap: number;
  ints: Float64Array;
  /** This batch's distinct strings, and their indexes. */
  strs: string[];
  dict: Map<string, number>;
  raws: (number | Uint8Array)[];
  rows: number;
}

const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3');
// src/store/*.ts and dist/store/*.js are both two levels below the repo root.
const WORKER_PATH = fileURLToPath(new URL('../../src/store/writer-worker.cjs', import.meta.url));
const MULTI_ROWS = 32;
const FIRST_CAPACITY = 1024;

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

const PROCESS_COLS = 'boot_id, pid, start_ticks, parent_pid, parent_start_ticks, uid, comm, comm_raw, exe, exe_raw, argv, argv_raw, start_ns, exit_ns, exit_code, source';
const PROCESS_PH = PROCESS_COLS.split(',').map(() => '?').join(', ');
const UPSERT_SEED = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH}) ON CONFLICT (boot_id, pid, start_ticks) DO NOTHING`;
const UPSERT_FORK = `INSERT INTO processes (${PROCESS_COLS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, p.exe, p.exe_raw, p.argv, p.argv_raw, ?, NULL, NULL, 'fork'
  FROM (SELECT 1) LEFT JOIN processes p ON p.boot_id = ? AND p.pid = ? AND p.start_ticks = ? WHERE true
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET start_ns = coalesce(start_ns, excluded.start_ns), parent_pid = excluded.parent_pid, parent_start_ticks = excluded.parent_start_ticks`;
const UPSERT_EXEC = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH})
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET uid = excluded.uid, comm = excluded.comm, comm_raw = excluded.comm_raw,
  exe = excluded.exe, exe_raw = excluded.exe_raw, argv = excluded.argv, argv_raw = excluded.argv_raw`;
const UPSERT_EXIT = `INSERT INTO processes (${PROCESS_COLS}) VALUES (${PROCESS_PH})
  ON CONFLICT (boot_id, pid, start_ticks) DO UPDATE SET exit_ns = excluded.exit_ns, exit_code = excluded.exit_code`;
// An exec with the full argv (a lifecycle record keeps 1 KiB) but no start time: the live process of that pid.
const UPDATE_FROM_EXEC = `UPDATE processes SET exe = ?, exe_raw = ?, argv = ?, argv_raw = ?, comm = ?, comm_raw = ?, uid = ?
  WHERE id = (SELECT id FROM processes WHERE boot_id = ? AND pid = ? AND exit_ns IS NULL ORDER BY start_ticks DESC LIMIT 1)`;

/**
 * Records a session into a capture file: subscribes to an Engine, journals
 * what the shell attaches, detaches and filters, writes losses per interval,
 * keeps the process table current, and writes everything from a worker
 * thread in batched transactions. Create with `Recorder.create`.
 */
export class Recorder {
  private readonly worker: Worker;
  private readonly tables = new Map<string, TableBuf>();
  private ops: Op[] = [];
  private pendingRows = 0;
  private inflightRows = 0;
  private readonly inflight = new Map<number, Map<string, number>>();
  private seq = 0;
  private committed = 0;
  private dropped = 0;
  private batches = 0;
  private writeMs = 0;
  private writerCpuMs: number | undefined;
  private readonly droppedByProbe = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  private lossTimer: NodeJS.Timeout | undefined;
  private lossPrev = new Map<string, ProbeCounters>();
  private sessionPrev: Record<string, number> = {};
  private healthPrev: ReaderHealth | undefined;
  private lossSince: number;
  /** Set once the last batch was taken: an event after that cannot reach the capture. */
  private finalTaken = false;
  private ackWaiters: (() => void)[] = [];
  /** The writer thread is gone (it crashed, or finished): nothing in flight will be acknowledged any more. */
  private writerExited = false;
  private unsubscribe: (() => void) | undefined;
  private stopping: Promise<StopResult> | undefined;
  private stopListeners = new Set<(r: StopResult) => void>();
  private failure: CaptureError | undefined;
  private readonly bootId: string;
  /** CLOCK_BOOTTIME - CLOCK_MONOTONIC: turns start_ticks into an approximate monotonic start. */
  private readonly bootOff = bootOffsetNs();
  private readonly opts: Required<Omit<RecorderOptions, 'commandLine' | 'clockOffsetNs'>>;
  private readonly ready: Promise<void>;
  private readonly startNs: number;

  private constructor(
    /** Path of the capture file. */
    readonly path: string,
    private readonly engine: Engine | undefined,
    opts: RecorderOptions,
  ) {
    this.opts = {
      toolVersion: opts.toolVersion,
      batchMs: opts.batchMs ?? 100,
      batchRows: opts.batchRows ?? 20_000,
      maxQueueRows: opts.maxQueueRows ?? 500_000,
      synchronous: opts.synchronous ?? 'NORMAL',
      reserveBytes: opts.reserveBytes ?? 8 << 20,
      lossIntervalMs: opts.lossIntervalMs ?? 1000,
    };
    this.startNs = monoNs();
    this.lossSince = this.startNs;
    const created = createCapture(path, {
      toolVersion: opts.toolVersion,
      commandLine: opts.commandLine ?? process.argv.slice(1),
      clockOffsetNs: opts.clockOffsetNs ?? engine?.clock.offsetNs ?? Date.now() * 1e6 - this.startNs,
      startNs: this.startNs,
    }, this.opts.reserveBytes);
    this.bootId = hostFacts().bootId;
    this.worker = new Worker(WORKER_PATH, {
      workerData: { sqlite: SQLITE_MODULE, path: created.path, files: created.writer, reserveFd: created.reserveFd, synchronous: this.opts.synchronous },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (m: { t: string }) => (m.t === 'ready' ? resolve() : reject(new CaptureError('capture writer did not start'))));
      this.worker.once('error', (e) => reject(new CaptureError(`capture writer failed: ${e.message}`)));
    });
    // Held until the writer proved it opened our files (and took its own fd of the reserve).
    this.ready.then(created.release, created.release);
    this.worker.on('message', (m) => this.onWorkerMessage(m));
    this.worker.on('error', (e) => this.fail(new CaptureError(`capture writer failed: ${e.message} (the capture holds what was committed)`, 'WRITER')));
    this.worker.once('exit', () => {
      this.writerExited = true;
      // Whatever was still in flight will never commit now: counted, not forgotten.
      for (const seq of [...this.inflight.keys()]) this.loseInflight(seq);
      const w = this.ackWaiters;
      this.ackWaiters = [];
      for (const r of w) r();
    });
    if (engine) {
      // A recording started mid-session counts only the losses from its own start.
      this.lossPrev = new Map(engine.counters().map((c) => [c.probe, structuredClone(c)]));
      this.sessionPrev = { ...engine.sessionLosses() };
      this.healthPrev = engine.readerHealth();
      this.unsubscribe = engine.onEvents((events) => this.record(events));
      this.lossTimer = setInterval(() => this.pollLosses(), this.opts.lossIntervalMs);
      this.lossTimer.unref();
    }
  }

  /**
   * Creates the capture at `path` (fails with a CaptureError naming the fix
   * when the directory is missing or read-only, or the file exists) and starts
   * recording `engine`'s events. Call before attaching any probe.
   */
  static create(path: string, engine: Engine | undefined, opts: RecorderOptions): Recorder {
    return new Recorder(path, engine, opts);
  }

  /** Resolves once the writer thread has opened the capture. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** True once stop() ran or recording stopped on an error. */
  get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** Called once when recording stops, whatever the reason (disk full included). */
  onStop(listener: (r: StopResult) => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  /** Live figures. */
  stats(): RecorderStats {
    return { rows: this.committed, dropped: this.dropped, queued: this.pendingRows + this.inflightRows, batches: this.batches, writeMs: this.writeMs, writerCpuMs: this.writerCpuMs };
  }

  /** Journals an attach (`detail`: why, e.g. 'requested'; BACKGROUND_ATTACH_DETAIL marks the capture's own). */
  journalAttach(a: Attachment, detail = 'requested'): void {
    this.journal('attach', a.probe, a.filters, a.attachPoints, [detail, ...a.missing.map((m) => `without ${m}`)].join('; '));
  }

  /** Journals a detach. */
  journalDetach(a: Attachment | ProbeSpec, detail = 'requested'): void {
    const probe = 'probe' in a ? a.probe : a;
    this.journal('detach', probe, undefined, undefined, detail);
  }

  /** Journals a failure in an evidence path that lost no known event (e.g. a probe the capture wanted could not attach). */
  journalError(detail: string, probe?: ProbeSpec): void {
    this.push({ sql: "INSERT INTO journal (ts, action, probe, detail) VALUES (?, 'error', ?, ?)", p: [monoNs(), probe?.name ?? null, detail] });
    this.scheduleFlush();
  }

  /** Journals a filter change of an attached probe. */
  journalFilter(a: Attachment, detail = 'requested'): void {
    this.journal('filter', a.probe, a.filters, a.attachPoints, detail);
  }

  /** An investigator's mark (the shell's :mark). */
  note(text: string, ts = monoNs()): void {
    this.push({ sql: 'INSERT INTO notes (ts, text) VALUES (?, ?)', p: [ts, text] });
  }

  /**
   * Seeds the process table from /proc so running processes have a parent
   * chain. Call right after the process-table probe is attached, so nothing forks unseen
   * in between; rows already made from events win.
   */
  seedProcesses(procRoot = '/proc'): number {
    const bootOff = this.bootOff;
    const list = scanProcesses(procRoot);
    for (const p of list) {
      const [argv, argvRaw] = argvValues(p.argv);
      this.push({
        sql: UPSERT_SEED,
        p: [this.bootId, p.pid, p.startTicks, p.parentPid, p.parentStartTicks, p.uid, textValue(p.comm), rawValue(p.comm), textValue(p.exe), rawValue(p.exe),
          argv, argvRaw, p.startTicks * 1e7 - bootOff, null, null, 'proc'],
      });
    }
    this.scheduleFlush();
    return list.length;
  }

  /** Queues decoded events (the Engine subscription calls this; replay and tests may too). */
  record(events: TraceEvent[]): void {
    if (this.finalTaken || this.failure) {
      // Too late for the capture, or the writer failed: counted, never dropped in silence.
      this.countDropped(events);
      return;
    }
    if (this.pendingRows + this.inflightRows + events.length > this.opts.maxQueueRows) {
      // SQLite is not keeping up: drop and count rather than grow without bound.
      this.countDropped(events);
      return;
    }
    let name = '';
    let buf: TableBuf | undefined;
    let processFact: ProbeFacets['processFact'];
    let n = 0;
    for (const e of events) {
      if (e.probe !== name) {
        name = e.probe;
        buf = this.table(name);
        processFact = facetsOf(name)?.processFact;
      }
      if (!buf) continue;
      if (buf.rows === buf.cap) this.grow(buf);
      buf.enc.encodeInto(e, buf.ints, buf.raws, buf.rows++, buf.dict, buf.strs);
      n++;
      const fact = processFact?.(e);
      if (fact) this.trackProcess(e, fact);
    }
    this.pendingRows += n;
    if (this.pendingRows >= this.opts.batchRows) this.flush();
    else this.scheduleFlush();
  }

  /**
   * Stops recording: final loss counts, the last batch, indexes, the stop
   * record, checkpoint and journal_mode=DELETE so the capture is one file.
   */
  stop(reason = 'user'): Promise<StopResult> {
    this.stopping ??= this.finish(reason);
    return this.stopping;
  }

  private async finish(reason: string): Promise<StopResult> {
    if (this.lossTimer) clearInterval(this.lossTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.ready.catch(() => undefined);
    // Every batch in flight is acknowledged (committed, or counted lost) before
    // the final loss rows are computed; events still arriving meanwhile join the last batch.
    await this.allAcked();
    const endNs = monoNs();
    this.pollLosses(endNs);
    const { ops, transfer } = this.takeOps();
    this.finalTaken = true;
    this.unsubscribe?.();
    this.inflight.clear();
    const end = new Date(Math.floor((endNs + (this.engine?.clock.offsetNs ?? Date.now() * 1e6 - endNs)) / 1e6)).toISOString();
    const clean = this.failure ? 0 : 1;
    ops.push({ sql: "INSERT INTO journal (ts, action, detail) VALUES (?, 'stop', ?)", p: [endNs, reason] });
    ops.push({ sql: 'UPDATE capture SET end_ns = ?, end_time = ?, clean_stop = ?, stop_reason = ?, last_commit_ns = ?', p: [endNs, end, clean, reason, endNs] });
    const final = finalizeIndexSql(PROBES);
    const done = new Promise<{ mode: string; error?: string; rows?: number; cpuMs?: number }>((resolve) => {
      const on = (m: { t: string; mode: string; error?: string; rows?: number; cpuMs?: number }) => {
        if (m.t === 'finished') {
          this.worker.off('message', on);
          resolve(m);
        }
      };
      this.worker.on('message', on);
      if (this.writerExited) resolve({ mode: 'wal', error: 'writer exited' });
      else this.worker.once('exit', () => resolve({ mode: 'wal', error: 'writer exited' }));
    });
    this.worker.postMessage({ t: 'finish', ops, final }, transfer);
    const fin = await done;
    await this.worker.terminate();
    this.committed += fin.rows ?? 0;
    if (fin.cpuMs !== undefined) this.writerCpuMs = fin.cpuMs;
    if (!this.failure && fin.error) this.failure = new CaptureError(`capture ${this.path} was not finalized: ${fin.error}`, 'WRITER');
    let bytes = 0;
    try {
      bytes = statSync(this.path).size;
    } catch {
      // removed under us
    }
    const result: StopResult = { reason, rows: this.committed, dropped: this.dropped, bytes, journalMode: fin.mode, error: this.failure };
    for (const l of this.stopListeners) l(result);
    return result;
  }

  private journal(action: string, probe: ProbeSpec, filters: Filters | undefined, points: string[] | undefined, detail: string): void {
    const clauses = filters ? JSON.stringify(filters.clauses.map((c) => ({ clause: c.text, where: c.where === 'kernel' ? 'kernel' : 'userspace' }))) : null;
    this.push({
      sql: 'INSERT INTO journal (ts, action, probe, filters, clauses, attach_points, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      p: [monoNs(), action, probe.name, filters ? filtersText(filters) : null, clauses, points ? JSON.stringify(points) : null, filters ? `${detail}; ${explainFilters(filters)}` : detail],
    });
    this.scheduleFlush();
  }

  /** One row of the process table from what a probe says of a process's life. */
  private trackProcess(e: TraceEvent, f: ProcessFact): void {
    const comm = e.comm;
    if (f.kind === 'fork') {
      this.ops.push({ sql: UPSERT_FORK, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), e.ts, this.bootId, f.parentPid, f.parentStartTicks] });
    } else if (f.kind === 'exit') {
      this.ops.push({ sql: UPSERT_EXIT, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), null, null, null, null, this.approxStart(f.startTicks), e.ts, f.exitCode, 'exit'] });
    } else if (f.startTicks !== undefined) {
      const [argv, argvRaw] = argvValues(f.argv);
      this.ops.push({ sql: UPSERT_EXEC, p: [this.bootId, e.pid, f.startTicks, f.parentPid, f.parentStartTicks, e.uid, textValue(comm), rawValue(comm), textValue(f.exe), rawValue(f.exe), argv, argvRaw, this.approxStart(f.startTicks), null, null, 'exec'] });
    } else {
      // No start time (the full-argv exec): the live process of that pid.
      const [argv, argvRaw] = argvValues(f.argv);
      this.ops.push({ sql: UPDATE_FROM_EXEC, p: [textValue(f.exe), rawValue(f.exe), argv, argvRaw, textValue(e.comm), rawValue(e.comm), e.uid, this.bootId, e.pid] });
    }
  }

  /** Monotonic ns of a start in clock ticks, to within a tick (a fork event, when seen, gives the exact one). */
  private approxStart(ticks: unknown): number | null {
    return typeof ticks === 'number' ? ticks * 1e7 - this.bootOff : null;
  }

  private table(probeName: string): TableBuf | undefined {
    let t = this.tables.get(probeName);
    if (t) return t;
    const probe = PROBES.find((p) => p.name === probeName);
    if (!probe) return undefined;
    const enc = new RowEncoder(probe);
    const statements = (cols: typeof enc.columns) => {
      const head = `INSERT INTO ${ident(probe.table)} (${cols.map((c) => ident(c.name)).join(', ')}) VALUES `;
      const ph = `(${cols.map(() => '?').join(', ')})`;
      return [head + ph, head + Array(k).fill(ph).join(', ')];
    };
    // Many rows per statement amortise the per-call cost; keep under SQLite's 32766 variables.
    const k = Math.max(1, Math.min(MULTI_ROWS, Math.floor(32766 / enc.columns.length)));
    const [full1, fullK] = statements(enc.columns) as [string, string];
    const [lean1, leanK] = statements(enc.columns.filter((c) => c.kind !== 'raw')) as [string, string];
    const leanPlan: number[] = [];
    for (let c = 0; c < enc.plan.length; c += 2) if (enc.columns[c / 2]!.kind !== 'raw') leanPlan.push(enc.plan[c]!, enc.plan[c + 1]!);
    const d: TableDesc = { lean1, leanK, full1, fullK, k, slots: enc.slots, leanPlan, fullPlan: enc.plan };
    t = { probe: probeName, enc, d, cap: FIRST_CAPACITY, ints: new Float64Array(FIRST_CAPACITY * enc.slots), strs: [], dict: new Map(), raws: [], rows: 0 };
    this.tables.set(probeName, t);
    return t;
  }

  /** Doubles a table buffer's room for integer columns. */
  private grow(t: TableBuf): void {
    const ints = new Float64Array(t.cap * 2 * t.enc.slots);
    ints.set(t.ints);
    t.ints = ints;
    t.cap *= 2;
  }

  /** Empties a table buffer (its ints were handed to the writer, or are dropped); room as the last batch needed. */
  private reset(t: TableBuf): void {
    let cap = FIRST_CAPACITY;
    while (cap < t.rows) cap *= 2;
    t.cap = cap;
    t.ints = new Float64Array(t.cap * t.enc.slots);
    t.strs = [];
    t.dict = new Map();
    t.raws = [];
    t.rows = 0;
  }

  private push(op: Op): void {
    if (this.finalTaken) return;
    this.ops.push(op);
  }

  private countDropped(events: TraceEvent[]): void {
    for (const e of events) this.droppedByProbe.set(e.probe, (this.droppedByProbe.get(e.probe) ?? 0) + 1);
    this.dropped += events.length;
  }

  /** Resolves once no batch is in flight (or the writer is gone). */
  private allAcked(): Promise<void> {
    if (this.inflight.size === 0 || this.writerExited) return Promise.resolve();
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  private settleAcks(): void {
    if (this.inflight.size > 0) return;
    const w = this.ackWaiters;
    this.ackWaiters = [];
    for (const r of w) r();
  }

  /** Everything waiting, as ops for the writer; the ints buffers are transferred, not copied. */
  private takeOps(): { ops: Op[]; transfer: ArrayBuffer[]; byProbe: Map<string, number> } {
    const ops: Op[] = [];
    const transfer: ArrayBuffer[] = [];
    const byProbe = new Map<string, number>();
    for (const t of this.tables.values()) {
      if (!t.rows) continue;
      ops.push({ d: t.d, rows: t.rows, ints: t.ints, strs: t.strs, raws: t.raws });
      transfer.push(t.ints.buffer as ArrayBuffer);
      byProbe.set(t.probe, t.rows);
      this.reset(t);
    }
    ops.push(...this.ops);
    this.ops = [];
    return { ops, transfer, byProbe };
  }

  private scheduleFlush(): void {
    if (this.flushTimer || this.stopping || this.finalTaken) return;
    this.flushTimer = setTimeout(() => this.flush(), this.opts.batchMs);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.failure) return;
    const { ops, transfer, byProbe } = this.takeOps();
    if (!ops.length) return;
    const seq = ++this.seq;
    // The heartbeat: where a gap starts if we die after this commit.
    ops.push({ sql: 'UPDATE capture SET last_commit_ns = ?', p: [monoNs()] });
    this.inflight.set(seq, byProbe);
    this.inflightRows += this.pendingRows;
    this.pendingRows = 0;
    this.worker.postMessage({ t: 'batch', seq, ops }, transfer);
  }

  private onWorkerMessage(m: { t: string; seq?: number; rows?: number; ms?: number; cpuMs?: number; message?: string; code?: string; lost?: boolean }): void {
    if (m.t === 'ack' && m.lost) {
      // Written off by the worker after disk full: these rows never committed.
      this.loseInflight(m.seq!);
    } else if (m.t === 'ack') {
      const byProbe = this.inflight.get(m.seq!);
      this.inflight.delete(m.seq!);
      let n = 0;
      for (const v of byProbe?.values() ?? []) n += v;
      this.inflightRows -= n;
      this.committed += m.rows ?? 0;
      this.batches++;
      this.writeMs += m.ms ?? 0;
      if (m.cpuMs !== undefined) this.writerCpuMs = m.cpuMs;
    } else if (m.t === 'full') {
      this.loseInflight(m.seq!);
      this.fail(new CaptureError(`disk full: recording to ${this.path} stopped (${this.committed} events kept, the loss is recorded); free space and record again`, 'FULL'), 'disk full');
    } else if (m.t === 'failed') {
      this.loseInflight(m.seq!);
      this.fail(new CaptureError(`cannot write ${this.path}: ${m.message} (recording stopped; the capture holds what was committed)`, 'WRITER'), 'writer failed');
    }
    this.settleAcks();
  }

  /**
   * Counts the rows of batch `seq`, which did not commit, as losses. Only
   * that batch: the ones after it get their own answer (a later batch can
   * still commit, and must not be counted both kept and lost).
   */
  private loseInflight(seq: number): void {
    const byProbe = this.inflight.get(seq);
    if (!byProbe) return;
    for (const [p, n] of byProbe) {
      this.droppedByProbe.set(p, (this.droppedByProbe.get(p) ?? 0) + n);
      this.dropped += n;
      this.inflightRows -= n;
    }
    this.inflight.delete(seq);
  }

  private fail(err: CaptureError, reason = 'writer failed'): void {
    if (this.failure) return;
    this.failure = err;
    // Whatever waits in memory is lost too; count it before stopping.
    for (const t of this.tables.values()) {
      if (t.rows) {
        this.droppedByProbe.set(t.probe, (this.droppedByProbe.get(t.probe) ?? 0) + t.rows);
        this.dropped += t.rows;
      }
      this.reset(t);
    }
    this.ops = [];
    this.pendingRows = 0;
    void this.stop(reason);
  }

  /** Writes loss deltas since the last poll: the engine's counters plus our own writer drops. */
  private pollLosses(now = monoNs()): void {
    if (this.engine) {
      const counters = this.engine.counters();
      for (const c of counters) {
        const prev = this.lossPrev.get(c.probe);
        for (const [cause, n] of Object.entries(c.losses)) {
          const d = n - ((prev?.losses as Record<string, number> | undefined)?.[cause] ?? 0);
          if (d > 0) this.ops.push({ sql: 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (?, ?, ?, ?, ?)', p: [c.probe, cause, this.lossSince, now, d] });
        }
      }
      this.lossPrev = new Map(counters.map((c) => [c.probe, structuredClone(c)]));
      // Losses whose probe cannot be known (a bad frame): probe NULL.
      const session = this.engine.sessionLosses() as Record<string, number>;
      for (const [cause, n] of Object.entries(session)) {
        const d = n - (this.sessionPrev[cause] ?? 0);
        if (d > 0) this.ops.push({ sql: 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (NULL, ?, ?, ?, ?)', p: [cause, this.lossSince, now, d] });
      }
      this.sessionPrev = { ...session };
      this.journalHealth(now);
    }
    for (const [p, n] of this.droppedByProbe) {
      if (n > 0) this.ops.push({ sql: 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (?, ?, ?, ?, ?)', p: [p, this.failure?.code === 'FULL' ? 'disk_full' : 'writer', this.lossSince, now, n] });
    }
    this.droppedByProbe.clear();
    this.lossSince = now;
    this.scheduleFlush();
  }

  /** Journals reader failures that lost no known event (poll errors, listener errors) as they happen. */
  private journalHealth(now: number): void {
    const h = this.engine!.readerHealth();
    const prev = this.healthPrev;
    this.healthPrev = h;
    const polls = h.pollErrors - (prev?.pollErrors ?? 0);
    if (polls > 0) this.ops.push({ sql: "INSERT INTO journal (ts, action, detail) VALUES (?, 'error', ?)", p: [now, `ring buffer poll failed ${polls} times (last errno ${h.lastPollErrno})`] });
    const listeners = h.listenerErrors - (prev?.listenerErrors ?? 0);
    if (listeners > 0) this.ops.push({ sql: "INSERT INTO journal (ts, action, detail) VALUES (?, 'error', ?)", p: [now, `an event consumer failed ${listeners} times (last: ${h.lastListenerError}); its events are counted as listener_error`] });
  }
}
