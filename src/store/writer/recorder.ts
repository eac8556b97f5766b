import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { explainFilters, filtersText, type AttachNotice, type EventSource, type Filters, type TraceEvent } from '../../event/index.js';
import { PROBES, facetsOf, type BinaryIdentity, type ProbeSpec } from '../../probes/index.js';
import { CaptureError } from '../errors.js';
import { hostFacts } from '../host.js';
import { LOOK_BACK_DETAIL } from '../journal-detail.js';
import { finalizeIndexSql } from '../schema.js';
import { buildSummariesSql } from '../summaries.js';
import { siblingModule, startWorker } from '../spawn.js';
import { BinaryHasher, type BinaryCounts, type BinaryHashOptions } from './binary-hasher.js';
import { createCapture } from './capture-file.js';
import { LossLedger } from './loss-ledger.js';
import { ProcessTable } from './process-table.js';
import { TableBuffers } from './table-buffer.js';
import type { FromWriter, Op, SqlOp, ToWriter, WriterInit } from './writer-protocol.js';

/** Options of a recording. */
export interface RecorderOptions {
  /** ebpfsh version written to capture.tool_version. */
  toolVersion: string;
  /** The command line that records (capture.command_line). */
  commandLine?: string[];
  /** Monotonic -> wall offset (source.clock.offsetNs); sampled here when no source is given. */
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
  /**
   * The capture begins this long before now (kernel monotonic ns of the
   * look-back start): its start is then, and its `start` journal row marks
   * the look-back window up to now. The caller writes the window's events,
   * journal (detail 'look-back') and losses with their own timestamps.
   */
  lookBackStartNs?: number;
  /** Hashing of executed files into the binaries table (bounds, --collect-binaries); false: none. */
  binaries?: BinaryHashOptions | false;
  /** An Ed25519 private key (PKCS#8 PEM, see loadSigningKey) to sign the manifest with when recording stops. */
  signKey?: string;
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
  /** What the binary hasher did (undefined: hashing is off). */
  binaries?: BinaryCounts;
}

const WRITER_THREAD = siblingModule(import.meta.url, 'writer-thread');

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

/**
 * Records a session into a capture file: subscribes to an EventSource,
 * journals what the shell attaches, detaches and filters, writes losses per
 * interval, keeps the process table current, and writes everything from a
 * worker thread in batched transactions. Create with `Recorder.create`.
 */
export class Recorder {
  private readonly worker: Worker;
  private readonly tables = new TableBuffers();
  private readonly processes: ProcessTable;
  private readonly losses: LossLedger;
  private ops: SqlOp[] = [];
  private pendingRows = 0;
  private inflightRows = 0;
  private readonly inflight = new Map<number, Map<string, number>>();
  private seq = 0;
  private committed = 0;
  private dropped = 0;
  private batches = 0;
  private writeMs = 0;
  private writerCpuMs: number | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private lossTimer: NodeJS.Timeout | undefined;
  /** Set once the last batch was taken: an event after that cannot reach the capture. */
  private finalTaken = false;
  private ackWaiters: (() => void)[] = [];
  /** The writer thread is gone (it crashed, or finished): nothing in flight will be acknowledged any more. */
  private writerExited = false;
  private unsubscribe: (() => void) | undefined;
  private stopping: Promise<StopResult> | undefined;
  private stopListeners = new Set<(r: StopResult) => void>();
  private failure: CaptureError | undefined;
  private readonly opts: Required<Omit<RecorderOptions, 'commandLine' | 'clockOffsetNs' | 'lookBackStartNs' | 'binaries' | 'signKey'>>;
  /** Hashes executed files off the event path (undefined: hashing is off). */
  private readonly hasher: BinaryHasher | undefined;
  private readonly signKey: string | undefined;
  private readonly ready: Promise<void>;

  private constructor(
    /** Path of the capture file. */
    readonly path: string,
    private readonly source: EventSource | undefined,
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
    this.signKey = opts.signKey;
    const startNs = monoNs();
    const lookBack = opts.lookBackStartNs !== undefined && opts.lookBackStartNs < startNs ? opts.lookBackStartNs : undefined;
    const created = createCapture(path, {
      toolVersion: opts.toolVersion,
      commandLine: opts.commandLine ?? process.argv.slice(1),
      clockOffsetNs: opts.clockOffsetNs ?? source?.clock.offsetNs ?? Date.now() * 1e6 - startNs,
      startNs: lookBack ?? startNs,
      startDetail: lookBack === undefined ? undefined : `${LOOK_BACK_DETAIL} until ${startNs}: events, journal rows marked '${LOOK_BACK_DETAIL}' and losses before then came from the shell's in-memory ring, recording began at ${startNs}`,
    }, this.opts.reserveBytes);
    this.processes = new ProcessTable(hostFacts().bootId);
    this.hasher = opts.binaries === false ? undefined : new BinaryHasher(opts.binaries ?? {}, (op) => {
      this.push(op);
      this.scheduleFlush();
    });
    const init: WriterInit = { path: created.path, files: created.writer, reserveFd: created.reserveFd, synchronous: this.opts.synchronous };
    this.worker = startWorker(WRITER_THREAD, { workerData: init });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (m: FromWriter) => (m.t === 'ready' ? resolve() : reject(new CaptureError('capture writer did not start'))));
      this.worker.once('error', (e) => reject(new CaptureError(`capture writer failed: ${e.message}`)));
    });
    // Our reserve fd until the writer took its own.
    this.ready.then(created.releaseReserve, created.releaseReserve);
    /*
     * Our fds of the capture, -wal and -shm stay open until the writer has
     * closed its connection: closing any fd of a file drops every POSIX lock
     * this process holds on it, SQLite's included. Released at ready, the
     * writer lost its lock on the -shm, and the next reader to open the
     * capture took itself for the only user, truncated the -shm under the
     * writer's mapping and killed the recorder with SIGBUS (readers meanwhile
     * saw SQLITE_PROTOCOL).
     */
    this.worker.once('exit', created.release);
    this.worker.on('message', (m: FromWriter) => this.onWorkerMessage(m));
    this.worker.on('error', (e) => this.fail(new CaptureError(`capture writer failed: ${e.message} (the capture holds what was committed)`, 'WRITER')));
    this.worker.once('exit', () => {
      this.writerExited = true;
      // Whatever was still in flight will never commit now: counted, not forgotten.
      for (const seq of [...this.inflight.keys()]) this.loseInflight(seq);
      const w = this.ackWaiters;
      this.ackWaiters = [];
      for (const r of w) r();
    });
    // A recording started mid-session counts only the losses from its own start (the ledger's baseline).
    this.losses = new LossLedger(source, startNs);
    if (source) {
      this.unsubscribe = source.onEvents((events) => this.record(events));
      this.lossTimer = setInterval(() => this.pollLosses(), this.opts.lossIntervalMs);
      this.lossTimer.unref();
    }
  }

  /**
   * Creates the capture at `path` (fails with a CaptureError naming the fix
   * when the directory is missing or read-only, or the file exists) and starts
   * recording `source`'s events. Call before attaching any probe.
   */
  static create(path: string, source: EventSource | undefined, opts: RecorderOptions): Recorder {
    return new Recorder(path, source, opts);
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
    return { rows: this.committed, dropped: this.dropped, queued: this.pendingRows + this.inflightRows, batches: this.batches, writeMs: this.writeMs, writerCpuMs: this.writerCpuMs, binaries: this.hasher?.counts() };
  }

  /** Journals an attach (`detail`: why, e.g. 'requested'; BACKGROUND_ATTACH_DETAIL marks the capture's own); `ts` for a look-back row. */
  journalAttach(a: AttachNotice, detail = 'requested', ts = monoNs()): void {
    this.journal('attach', a.probe, a.filters, a.attachPoints, [detail, ...a.missing.map((m) => `without ${m}`)].join('; '), ts);
  }

  /** Journals a detach; `ts` for a look-back row. */
  journalDetach(a: AttachNotice | ProbeSpec, detail = 'requested', ts = monoNs()): void {
    const probe = 'probe' in a ? a.probe : a;
    this.journal('detach', probe, undefined, undefined, detail, ts);
  }

  /** Writes a loss row the caller counted (e.g. the shell's ring: its evictions and the engine's losses before recording). */
  recordLoss(probe: string | null, cause: string, startNs: number, endNs: number, count: number): void {
    this.push({ sql: 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (?, ?, ?, ?, ?)', p: [probe, cause, startNs, endNs, count] });
    this.scheduleFlush();
  }

  /** Journals a failure in an evidence path that lost no known event (e.g. a probe the capture wanted could not attach). */
  journalError(detail: string, probe?: ProbeSpec): void {
    this.push({ sql: "INSERT INTO journal (ts, action, probe, detail) VALUES (?, 'error', ?, ?)", p: [monoNs(), probe?.name ?? null, detail] });
    this.scheduleFlush();
  }

  /** Journals a filter change of an attached probe; `ts` for a look-back row. */
  journalFilter(a: AttachNotice, detail = 'requested', ts = monoNs()): void {
    this.journal('filter', a.probe, a.filters, a.attachPoints, detail, ts);
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
    const rows = this.processes.seed(procRoot);
    for (const op of rows) this.push(op);
    this.scheduleFlush();
    return rows.length;
  }

  /** Queues decoded events (the source subscription calls this; replay and tests may too). */
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
    let buf: ReturnType<TableBuffers['of']>;
    let fact: ReturnType<ProcessTable['factOf']>;
    let binaryOf: ((e: TraceEvent) => BinaryIdentity | undefined) | undefined;
    let n = 0;
    // One pass: each row into its probe's table, each fact a probe declares about a process into the process table.
    for (const e of events) {
      if (e.probe !== name) {
        name = e.probe;
        buf = this.tables.of(name);
        fact = this.processes.factOf(name);
        binaryOf = this.hasher ? facetsOf(name)?.binaryOf : undefined;
      }
      if (!buf) continue;
      buf.add(e);
      n++;
      const f = fact?.(e);
      if (f) this.ops.push(this.processes.rowOf(e, f));
      const b = binaryOf?.(e);
      if (b) this.hasher!.see(e, b);
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
    // Hashes of files already opened join the last batch; what is still queued after the wait is written as stopped.
    if (this.hasher) {
      await this.hasher.drain();
      await this.hasher.close();
    }
    // Every batch in flight is acknowledged (committed, or counted lost) before
    // the final loss rows are computed; events still arriving meanwhile join the last batch.
    await this.allAcked();
    const endNs = monoNs();
    this.pollLosses(endNs);
    const { ops, transfer } = this.takeOps();
    this.finalTaken = true;
    this.unsubscribe?.();
    this.inflight.clear();
    const end = new Date(Math.floor((endNs + (this.source?.clock.offsetNs ?? Date.now() * 1e6 - endNs)) / 1e6)).toISOString();
    const clean = this.failure ? 0 : 1;
    ops.push({ sql: "INSERT INTO journal (ts, action, detail) VALUES (?, 'stop', ?)", p: [endNs, reason] });
    ops.push({ sql: 'UPDATE capture SET end_ns = ?, end_time = ?, clean_stop = ?, stop_reason = ?, last_commit_ns = ?', p: [endNs, end, clean, reason, endNs] });
    // Last in the stop transaction, after every event: the summary tables, chained with it (summaries.ts).
    for (const sql of buildSummariesSql(PROBES)) ops.push({ sql });
    const final = finalizeIndexSql(PROBES);
    const exited = { t: 'finished', mode: 'wal', error: 'writer exited', rows: 0 } as const;
    const done = new Promise<Extract<FromWriter, { t: 'finished' }>>((resolve) => {
      const on = (m: FromWriter) => {
        if (m.t === 'finished') {
          this.worker.off('message', on);
          resolve(m);
        }
      };
      this.worker.on('message', on);
      if (this.writerExited) resolve(exited);
      else this.worker.once('exit', () => resolve(exited));
    });
    this.post({ t: 'finish', ops, final, signKey: this.signKey }, transfer);
    const fin = await done;
    await this.worker.terminate();
    this.committed += fin.rows;
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

  private post(m: ToWriter, transfer: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer);
  }

  private journal(action: string, probe: { readonly name: string }, filters: Filters | undefined, points: readonly string[] | undefined, detail: string, ts: number): void {
    const clauses = filters ? JSON.stringify(filters.clauses.map((c) => ({ clause: c.text, where: c.where === 'kernel' ? 'kernel' : 'userspace' }))) : null;
    this.push({
      sql: 'INSERT INTO journal (ts, action, probe, filters, clauses, attach_points, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      p: [ts, action, probe.name, filters ? filtersText(filters) : null, clauses, points ? JSON.stringify(points) : null, filters ? `${detail}; ${explainFilters(filters)}` : detail],
    });
    this.scheduleFlush();
  }

  private push(op: SqlOp): void {
    if (this.finalTaken) return;
    this.ops.push(op);
  }

  private countDropped(events: TraceEvent[]): void {
    for (const e of events) this.losses.drop(e.probe, 1);
    this.dropped += events.length;
  }

  /** Counts rows that will never commit, per probe. */
  private countLost(byProbe: Map<string, number>): void {
    for (const [p, n] of byProbe) {
      this.losses.drop(p, n);
      this.dropped += n;
    }
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

  /** Everything waiting, as ops for the writer: event rows first, then statements; the ints buffers are transferred, not copied. */
  private takeOps(): { ops: Op[]; transfer: ArrayBuffer[]; byProbe: Map<string, number> } {
    const rows = this.tables.take();
    const ops: Op[] = rows.ops;
    for (const op of this.ops) ops.push(op);
    this.ops = [];
    return { ops, transfer: rows.transfer, byProbe: rows.byProbe };
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
    this.post({ t: 'batch', seq, ops }, transfer);
  }

  private onWorkerMessage(m: FromWriter): void {
    if (m.t === 'ack' && m.lost) {
      // Written off by the worker after disk full: these rows never committed.
      this.loseInflight(m.seq);
    } else if (m.t === 'ack') {
      const byProbe = this.inflight.get(m.seq);
      this.inflight.delete(m.seq);
      let n = 0;
      for (const v of byProbe?.values() ?? []) n += v;
      this.inflightRows -= n;
      this.committed += m.rows;
      this.batches++;
      this.writeMs += m.ms ?? 0;
      if (m.cpuMs !== undefined) this.writerCpuMs = m.cpuMs;
    } else if (m.t === 'full') {
      this.loseInflight(m.seq);
      this.fail(new CaptureError(`disk full: recording to ${this.path} stopped (${this.committed} events kept, the loss is recorded); free space and record again`, 'FULL'), 'disk full');
    } else if (m.t === 'failed') {
      this.loseInflight(m.seq);
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
    this.countLost(byProbe);
    for (const n of byProbe.values()) this.inflightRows -= n;
    this.inflight.delete(seq);
  }

  private fail(err: CaptureError, reason = 'writer failed'): void {
    if (this.failure) return;
    this.failure = err;
    // Whatever waits in memory is lost too; count it before stopping.
    this.countLost(this.tables.discard());
    this.ops = [];
    this.pendingRows = 0;
    void this.stop(reason);
  }

  /** Queues loss rows since the last poll: the source's counters plus our own writer drops. */
  private pollLosses(now = monoNs()): void {
    for (const op of this.losses.poll(now, this.failure?.code === 'FULL')) this.ops.push(op);
    this.scheduleFlush();
  }
}
