import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { closeSync, lstatSync, readSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compileMatcher, type ByteString, type Filters, type TraceEvent } from '../../event/index.js';
import { type ProbeSpec } from '../../probes/index.js';
import { isZoneName, type NameEntry } from '../../text/index.js';
import { MAX_NAMES } from '../../proc/index.js';
import { CaptureError, asCaptureError } from '../errors.js';
import { chainStatus, type ChainStatus } from './chain-status.js';
import { copyEvidence, openEvidence, privateTempDir } from './evidence-file.js';
import { forensicViewsSql } from './forensic-views.js';
import { isBackgroundAttach } from '../journal-detail.js';
import { READ_IN_PLACE_SINCE, migrate } from './migrations.js';
import { classifyUnfinished, type Unfinished } from './unfinished.js';
import { argvOf, byteStringOf, eventFromRow, intOf, intOrNull } from './rows.js';
import { SCHEMA_VERSION, ident } from '../schema.js';
import { uidSummaryUsable, usableSummaries } from '../summaries.js';
import { forkModule, siblingModule } from '../spawn.js';
import type { MergeSpec, QueryReply, QueryRequest } from './query-protocol.js';
import { openQueryDb, runStatement } from './query-run.js';
import { startWatchdog } from './query-watchdog.js';
import { validateCapture, validateCaptureRow, type ValidatedSchema } from './validate.js';

/** How to open a capture. */
export interface ReaderOptions {
  /**
   * Read a capture that is being recorded right now (the shell's own `:query`):
   * opened in place, read-only, through the recorder's -wal/-shm. Never use on
   * evidence at rest: it is read without any copy.
   */
  live?: boolean;
}

/** The capture row, plus what the reader derived. */
export interface CaptureInfo {
  path: string;
  schemaVersion: number;
  toolVersion: string;
  hostname: string;
  kernelRelease: string;
  bootId: string;
  clockOffsetNs: number;
  startNs: number;
  startTime: string;
  endNs: number | null;
  endTime: string | null;
  cleanStop: boolean;
  stopReason: string | null;
  commandLine: string[];
  /** When the recorder died: where the gap starts (monotonic ns); its end is unknown unless recovered. */
  gap: { startNs: number; endNs: number | null } | null;
  /** Rows per probe table. */
  counts: Record<string, number>;
  /** Loss totals per probe and cause. */
  losses: { probe: string | null; cause: string; count: number | null }[];
  /** True when the reader works on a private copy (an unfinished WAL capture, or a schema older than 5, migrated). */
  snapshot: boolean;
  /** Set when the capture was never finalized (end_ns NULL): still recording, copied without its -wal, or its recorder died. */
  unfinished: Unfinished | null;
  /** The recording host's IANA time zone (host_facts), null when not recorded. */
  hostZone: string | null;
}

/** A result of `query`. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** More rows matched than maxRows. */
  truncated: boolean;
}

/** One process lifetime. */
export interface ProcessRow {
  id: number;
  pid: number;
  startTicks: number;
  parentPid: number | null;
  parentStartTicks: number | null;
  uid: number | null;
  comm: ByteString | null;
  exe: ByteString | null;
  argv: ByteString[] | null;
  startNs: number | null;
  exitNs: number | null;
  exitCode: number | null;
  source: string;
}

/** One journal row as a reader returns it: the columns, `ts` a number, and the typed background flag. */
export interface JournalRow extends Record<string, unknown> {
  ts: number;
  /** An attach the capture made by itself (for its process table): hidden from the view. */
  background: boolean;
}

/**
 * Bounds of the reader's synchronous calls (a hostile capture may hold
 * millions of journal rows, loss causes or children of one process, or a
 * parent chain that loops): what they return is cut there, never unbounded.
 */
export const READ_BOUNDS = { journal: 10_000, notes: 10_000, lossGroups: 1_000, ancestors: 1_000, children: 1_000 } as const;

/** The stop reason shown for a capture without one. */
const UNFINISHED_REASON = { recording: 'still being recorded', 'no-wal': 'not finalized', died: 'recorder died' } as const;

/** Which events to stream. */
export interface EventQuery {
  /** Probe names (default: every probe in the capture). */
  probes?: string[];
  fromNs?: number;
  toNs?: number;
  /** The one filter grammar, evaluated entirely in userspace (replay has no kernel). */
  filters?: Filters;
}

const QUERY_CHILD = siblingModule(import.meta.url, 'query-child');
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Checks a capture's SQLite header (magic, size, pages); returns whether it is in WAL form and its user_version. */
export function readHeader(fd: number, size: number, name: string): { wal: boolean; version: number } {
  if (size === 0) throw new CaptureError(`${name} is empty: not an ebpfsh capture`, 'NOTCAPTURE');
  const h = Buffer.alloc(100);
  try {
    readSync(fd, h, 0, 100, 0);
  } catch (e) {
    throw new CaptureError(`${name} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'EACCES');
  }
  if (size < 100 || !h.subarray(0, 16).equals(SQLITE_MAGIC)) throw new CaptureError(`${name} is not an ebpfsh capture (not a SQLite database)`, 'NOTCAPTURE');
  const pageSize = h.readUInt16BE(16) === 1 ? 65536 : h.readUInt16BE(16);
  const wal = h[18] === 2 || h[19] === 2;
  const pages = h.readUInt32BE(28);
  const sizeValid = h.readUInt32BE(24) === h.readUInt32BE(92) && pages > 0;
  if (!wal && sizeValid && size < pages * pageSize)
    throw new CaptureError(`${name} is truncated (${size} of ${pages * pageSize} bytes); was it copied while being written?`, 'CORRUPT');
  if (size % pageSize !== 0 && !wal) throw new CaptureError(`${name} is truncated or damaged (size is not a whole number of pages)`, 'CORRUPT');
  return { wal, version: h.readUInt32BE(60) };
}

/**
 * Reads a capture without ever modifying it: no -wal/-shm appear beside the
 * evidence and its hash stays the same. Validates the file and its schema
 * before any read. A capture still in WAL form (its recorder died, or a live
 * one) or of a schema older than 5 is read from a private copy.
 */
/**
 * Page cache of each reader connection, in KiB. better-sqlite3 builds SQLite
 * with 16 MiB per connection, and a replay holds one connection per probe
 * table plus this one: ~50 MiB of cached pages that its sequential reads
 * (a stream in ts order, count(*) scans) never read twice. The OS page cache
 * keeps the file warm either way.
 */
export const READER_CACHE_KIB = 2048;

export class CaptureReader {
  private readonly db: Database.Database;
  private child: ChildProcess | undefined;
  private nextId = 0;
  private tempDir: string | undefined;
  /** Validated schema: version and the probe tables present. */
  readonly schema: ValidatedSchema;
  /** The file SQLite actually reads (the capture, or its private copy). */
  readonly dbPath: string;
  /** Reading a private copy. */
  readonly snapshot: boolean;
  /** The ready-made views whose summary tables this capture holds complete (summaries.ts); the others aggregate raw rows. */
  readonly summarized: ReadonlySet<string>;
  /** uid_summary (schema 6) is complete and well-formed: userCounts reads it instead of every probe table. */
  readonly usersSummarized: boolean;
  /** The file's header says WAL form, and whether a -wal lay beside it when opened. */
  private readonly walFile: { walForm: boolean; walBeside: boolean };

  private constructor(readonly path: string, opts: ReaderOptions) {
    const name = basename(path);
    if (opts.live) {
      /*
       * This process's own recorder writes it (its writer thread): no fd of
       * ours may open the file, as closing one drops every POSIX lock this
       * process holds on it, SQLite's locks of the writer included. SQLite
       * itself shares one set of locks between the process's connections.
       */
      this.walFile = { walForm: true, walBeside: existsQuietly(`${path}-wal`) };
      this.snapshot = false;
      this.dbPath = path;
    } else {
      const opened = this.openAtRest(path, name);
      this.walFile = opened.walFile;
      this.snapshot = opened.snapshot;
      this.dbPath = opened.dbPath;
    }
    try {
      if (this.snapshot) {
        const rw = new Database(this.dbPath, { fileMustExist: true });
        try {
          rw.pragma('trusted_schema = OFF');
          rw.pragma('cell_size_check = ON');
          const v = validateCapture(rw, name);
          if (v.version < READ_IN_PLACE_SINCE) migrate(rw, v.version);
          rw.pragma('wal_checkpoint(TRUNCATE)');
          rw.pragma('journal_mode = DELETE');
        } finally {
          rw.close();
        }
      }
      this.db = new Database(this.dbPath, { readonly: true, fileMustExist: true });
      this.db.pragma('trusted_schema = OFF');
      this.db.pragma('cell_size_check = ON');
      this.db.pragma('query_only = ON');
      this.db.pragma(`cache_size = -${READER_CACHE_KIB}`);
      this.schema = validateCapture(this.db, name);
      validateCaptureRow(this.db, name, this.schema.version);
      // A live capture is still growing: its summaries (none before finalize) are never used.
      this.summarized = opts.live ? new Set() : usableSummaries(this.db, this.schema.tables);
      this.usersSummarized = !opts.live && uidSummaryUsable(this.db, this.schema.tables, this.schema.probes);
    } catch (e) {
      this.cleanup();
      throw asCaptureError(e, name);
    }
  }

  /**
   * Checks a capture at rest through one non-blocking fd (the file checked
   * is the file read) and, when it is in WAL form or of an old schema,
   * copies it (and its -wal) to a private directory to read from.
   */
  private openAtRest(path: string, name: string): { walFile: { walForm: boolean; walBeside: boolean }; snapshot: boolean; dbPath: string } {
    const src = openEvidence(path, name)!;
    let wal: ReturnType<typeof openEvidence>;
    try {
      const head = readHeader(src.fd, src.st.size, name);
      const walFile = { walForm: head.wal, walBeside: existsQuietly(`${path}-wal`) };
      if (!head.wal && head.version >= READ_IN_PLACE_SINCE) return { walFile, snapshot: false, dbPath: path };
      wal = openEvidence(`${path}-wal`, `${name}-wal`, { optional: true, noFollow: true });
      this.tempDir = privateTempDir();
      const dbPath = join(this.tempDir, 'capture.db');
      copyEvidence(src.fd, dbPath);
      if (wal) copyEvidence(wal.fd, `${dbPath}-wal`);
      return { walFile, snapshot: true, dbPath };
    } catch (e) {
      this.cleanup();
      throw asCaptureError(e, name);
    } finally {
      closeSync(src.fd);
      if (wal) closeSync(wal.fd);
    }
  }

  /** A quick look at the integrity chain (chain-status.ts): cheap enough for every open; `ebpfsh verify` checks every row. */
  chainStatus(): ChainStatus {
    return chainStatus(this.db, this.schema.version);
  }

  /** Opens and validates a capture; throws one clear CaptureError for anything that is not a readable capture. */
  static open(path: string, opts: ReaderOptions = {}): CaptureReader {
    return new CaptureReader(path, opts);
  }

  /** What, where and when: the capture row, counts, losses, clean or not. */
  info(): CaptureInfo {
    try {
      const c = this.db.prepare('SELECT * FROM capture').get() as Record<string, unknown> | undefined;
      if (!c) throw new CaptureError(`${basename(this.path)} has no capture record (damaged)`, 'CORRUPT');
      const counts: Record<string, number> = {};
      // uid_summary, when complete, holds each table's rows (a count(*) reads a whole index: ~50 ms CPU on 10M rows).
      const summed = this.usersSummarized ? new Map(this.db.prepare('SELECT tbl, sum(events) FROM uid_summary GROUP BY tbl').raw(true).all() as [string, number][]) : undefined;
      for (const p of this.schema.probes) counts[p.table] = summed ? (summed.get(p.table) ?? 0) : (this.db.prepare(`SELECT count(*) FROM ${ident(p.table)}`).pluck().get() as number);
      const losses = (this.db.prepare('SELECT probe, cause, sum(count) AS count FROM losses GROUP BY probe, cause ORDER BY probe, cause LIMIT ?').all(READ_BOUNDS.lossGroups) as Record<string, unknown>[])
        .map((l) => ({ probe: l.probe === null ? null : String(l.probe), cause: String(l.cause), count: intOrNull(l.count) }));
      const diedRow = this.db.prepare("SELECT start_ns AS startNs, end_ns AS endNs FROM losses WHERE cause = 'recorder_died' ORDER BY id DESC LIMIT 1").get() as Record<string, unknown> | undefined;
      const died = diedRow ? { startNs: intOf(diedRow.startNs), endNs: intOrNull(diedRow.endNs) } : undefined;
      const unclean = c.end_ns === null;
      const gap = died ?? (unclean ? { startNs: (c.last_commit_ns as number | null) ?? (c.start_ns as number), endNs: null } : null);
      const unfinished = unclean ? classifyUnfinished({ recorderPid: c.recorder_pid as number, bootId: c.boot_id as string, startNs: c.start_ns as number }, this.walFile) : null;
      return {
        path: this.path,
        schemaVersion: c.schema_version as number,
        toolVersion: c.tool_version as string,
        hostname: c.hostname as string,
        kernelRelease: c.kernel_release as string,
        bootId: c.boot_id as string,
        clockOffsetNs: c.clock_offset_ns as number,
        startNs: c.start_ns as number,
        startTime: c.start_time as string,
        endNs: (c.end_ns as number | null) ?? null,
        endTime: (c.end_time as string | null) ?? null,
        cleanStop: c.clean_stop === 1,
        stopReason: (c.stop_reason as string | null) ?? (unfinished ? UNFINISHED_REASON[unfinished.reason] : null),
        commandLine: JSON.parse(String(c.command_line)) as string[],
        gap,
        counts,
        losses,
        snapshot: this.snapshot,
        unfinished,
        hostZone: this.hostZone(),
      };
    } catch (e) {
      throw asCaptureError(e, basename(this.path));
    }
  }

  /** Why the capture has no end (still recording, copied without its -wal, recorder died), or null once finalized: without info()'s counts. */
  unfinished(): Unfinished | null {
    const c = this.db.prepare('SELECT end_ns, recorder_pid, boot_id, start_ns FROM capture').get() as Record<string, unknown> | undefined;
    if (!c || c.end_ns !== null) return null;
    return classifyUnfinished({ recorderPid: c.recorder_pid as number, bootId: c.boot_id as string, startNs: c.start_ns as number }, this.walFile);
  }

  /** The recording host's IANA time zone from host_facts, or null when not recorded (a capture migrated from schema 3) or not a zone this reader knows (hostile input is not used). */
  hostZone(): string | null {
    try {
      const v = this.db.prepare("SELECT value FROM host_facts WHERE key = 'time_zone'").pluck().get();
      return isZoneName(v) ? v : null;
    } catch {
      return null; // no host_facts table: nothing recorded
    }
  }

  /** The recording host's user and group names (host_users), validated: rows that are not a kind, a number and a text are skipped; none for an older capture. */
  hostNames(): NameEntry[] {
    try {
      const rows = this.db.prepare('SELECT kind, num, name FROM host_users ORDER BY id LIMIT ?').all(2 * MAX_NAMES) as Record<string, unknown>[];
      return rows.filter((r): r is { kind: 'user' | 'group'; num: number; name: string } =>
        (r.kind === 'user' || r.kind === 'group') && Number.isSafeInteger(r.num) && typeof r.name === 'string' && r.name.length <= 256);
    } catch {
      return []; // no host_users table: nothing recorded
    }
  }

  /**
   * Events per uid over every probe table, most first: the `limit` busiest and
   * how many uids there are in all. A uid that is not an integer (a damaged or
   * edited capture) is counted apart, never dropped without a word.
   */
  userCounts(limit = 8): { top: { uid: number; events: number }[]; uids: number; odd: number } {
    if (!this.schema.probes.length) return { top: [], uids: 0, odd: 0 };
    const all = this.schema.probes.map((p) => `SELECT uid FROM ${ident(p.table)}`).join(' UNION ALL ');
    // uid_summary holds per table what this scan counts (every row whose uid is not an integer under uid NULL).
    const sql = this.usersSummarized
      ? 'SELECT uid, sum(events) AS n FROM uid_summary GROUP BY uid ORDER BY n DESC, uid'
      : `SELECT uid, count(*) AS n FROM (${all}) GROUP BY uid ORDER BY n DESC, uid`;
    const rows = this.db.prepare(sql).raw().iterate() as Iterable<[unknown, number]>;
    const top: { uid: number; events: number }[] = [];
    let uids = 0;
    let odd = 0;
    for (const [uid, n] of rows) {
      if (typeof uid !== 'number' || !Number.isSafeInteger(uid)) {
        odd += n;
        continue;
      }
      uids++;
      if (top.length < limit) top.push({ uid, events: n });
    }
    return { top, uids, odd };
  }

  /** The capture's host name (validated text), without info()'s counts. */
  hostname(): string {
    return this.db.prepare('SELECT hostname FROM capture').pluck().get() as string;
  }

  /**
   * Journal rows in order (attach/detach/filter/start/stop/recovered), at most
   * READ_BOUNDS.journal; `ts` always a number, `background` true for an attach
   * the capture made by itself for its process table.
   */
  journal(): JournalRow[] {
    const rows = this.db.prepare('SELECT * FROM journal ORDER BY id LIMIT ?').all(READ_BOUNDS.journal) as JournalRow[];
    for (const r of rows) {
      r.ts = intOf(r.ts);
      r.background = isBackgroundAttach(r);
    }
    return rows;
  }

  /** Investigator notes in time order, at most READ_BOUNDS.notes. */
  notes(): { ts: number; text: string }[] {
    return (this.db.prepare('SELECT ts, text FROM notes ORDER BY ts, id LIMIT ?').all(READ_BOUNDS.notes) as Record<string, unknown>[]).map((n) => ({
      ts: intOf(n.ts),
      text: typeof n.text === 'string' ? n.text : String(n.text),
    }));
  }

  /**
   * Runs one read-only SQL statement with a time limit (in a child process
   * that is killed when the limit passes). ATTACH, writes and several
   * statements are refused. `inProcess` (for a process that runs one query
   * and exits, `ebpfsh query`): the same connection and checks on this thread,
   * without starting a query process; when the limit passes a watchdog prints
   * the error and kills this whole process (exit status 137).
   */
  query(sql: string, opts: { timeoutMs?: number; maxRows?: number; params?: unknown[]; merge?: MergeSpec; inProcess?: boolean } = {}): Promise<QueryResult> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    if (opts.inProcess) {
      try {
        return Promise.resolve(this.queryHere(sql, { ...opts, timeoutMs }));
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    const child = this.queryChild();
    const id = ++this.nextId;
    return new Promise<QueryResult>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (m: QueryReply) => {
        if (m.id !== id) return;
        done();
        if ('error' in m) reject(queryError(m.error, m.code));
        else resolve({ columns: m.columns, rows: m.rows.map((r) => r.map(fromChild)), truncated: m.truncated });
      };
      const onExit = () => {
        done();
        this.child = undefined;
        reject(new CaptureError('the query process died (try a smaller query)', 'QUERY'));
      };
      const timer = setTimeout(() => {
        done();
        child.kill('SIGKILL');
        this.child = undefined;
        reject(new CaptureError(timeoutMessage(timeoutMs), 'TIMEOUT'));
      }, timeoutMs);
      child.on('message', onMessage);
      child.on('exit', onExit);
      const merge = opts.merge ?? { attach: [], setup: forensicViewsSql(false, this.summarized) };
      const request: QueryRequest = { id, path: merge.main ?? this.dbPath, sql, params: opts.params ?? [], maxRows: opts.maxRows ?? 10_000, merge };
      child.send(request);
    });
  }

  private queryHere(sql: string, opts: { timeoutMs: number; maxRows?: number; params?: unknown[]; merge?: MergeSpec }): QueryResult {
    const merge = opts.merge ?? { attach: [], setup: forensicViewsSql(false, this.summarized) };
    const watchdog = startWatchdog(opts.timeoutMs, `ebpfsh: ${timeoutMessage(opts.timeoutMs)}`);
    let db: Database.Database | undefined;
    try {
      db = openQueryDb(merge.main ?? this.dbPath, merge);
      const r = runStatement(db, sql, opts.params ?? [], opts.maxRows ?? 10_000);
      return { ...r, rows: r.rows.map((row) => row.map(fromChild)) };
    } catch (e) {
      const err = e as { message?: string; code?: string } | undefined;
      throw queryError(String(err?.message), err?.code);
    } finally {
      db?.close();
      watchdog.stop();
    }
  }

  /** Streams events in time order across probe tables, rebuilt as TraceEvents (exact bytes kept). */
  *events(q: EventQuery = {}): Generator<TraceEvent> {
    const probes = this.schema.probes.filter((p) => !q.probes || q.probes.includes(p.name));
    const from = q.fromNs ?? -Number.MAX_SAFE_INTEGER;
    const to = q.toNs ?? Number.MAX_SAFE_INTEGER;
    // One connection per table: each iterator keeps its statement open while the others advance.
    const conns: Database.Database[] = [];
    const heads: { probe: ProbeSpec; it: Iterator<unknown>; cur: Record<string, unknown> | undefined; match: ((e: TraceEvent) => boolean) | null }[] = [];
    try {
      for (const p of probes) {
        const db = new Database(this.dbPath, { readonly: true, fileMustExist: true });
        db.pragma('trusted_schema = OFF');
        db.pragma('query_only = ON');
        db.pragma(`cache_size = -${READER_CACHE_KIB}`);
        conns.push(db);
        const it = db.prepare(`SELECT * FROM ${ident(p.table)} WHERE ts >= ? AND ts <= ? ORDER BY ts, id`).iterate(from, to)[Symbol.iterator]();
        const first = it.next();
        heads.push({ probe: p, it, cur: first.done ? undefined : (first.value as Record<string, unknown>), match: q.filters ? compileMatcher(q.filters, p, { all: true }) : null });
      }
      for (;;) {
        let best: (typeof heads)[number] | undefined;
        for (const h of heads) if (h.cur && (!best || (h.cur.ts as number) < (best.cur!.ts as number))) best = h;
        if (!best) return;
        const ev = eventFromRow(best.probe, best.cur!);
        const n = best.it.next();
        best.cur = n.done ? undefined : (n.value as Record<string, unknown>);
        if (!best.match || best.match(ev)) yield ev;
      }
    } finally {
      // A consumer that stops early (replay seeking) leaves statements running: end them, or close() refuses.
      for (const h of heads) h.it.return?.();
      for (const c of conns) c.close();
    }
  }

  /** The process lifetime of `pid` that was alive at `atNs` (default: the latest). */
  process(pid: number, atNs?: number): ProcessRow | undefined {
    const row = atNs === undefined
      ? this.db.prepare('SELECT * FROM processes WHERE pid = ? ORDER BY start_ticks DESC LIMIT 1').get(pid)
      : this.db.prepare('SELECT * FROM processes WHERE pid = ? AND (start_ns IS NULL OR start_ns <= ?) AND (exit_ns IS NULL OR exit_ns >= ?) ORDER BY start_ticks DESC LIMIT 1').get(pid, atNs, atNs);
    return row ? processRow(row as Record<string, unknown>) : undefined;
  }

  /**
   * The process lifetimes alive at `atNs` (started at or before it, not yet
   * exited: a lifetime is [start_ns, exit_ns)), by pid: at most `limit`, and
   * how many matched in all. A lifetime whose start or exit the capture does
   * not know counts as alive (the caller shows it as unknown).
   */
  processesAt(atNs: number, limit: number): { rows: ProcessRow[]; total: number } {
    const where = 'WHERE (start_ns IS NULL OR start_ns <= ?) AND (exit_ns IS NULL OR exit_ns > ?)';
    const rows = (this.db.prepare(`SELECT * FROM processes ${where} ORDER BY pid, start_ticks LIMIT ?`).all(atNs, atNs, limit) as Record<string, unknown>[]).map(processRow);
    const total = rows.length < limit ? rows.length : (this.db.prepare(`SELECT count(*) FROM processes ${where}`).pluck().get(atNs, atNs) as number);
    return { rows, total };
  }

  /**
   * Events of one pid in a probe's table with `fromNs <= ts <= toNs`, oldest
   * first (or newest first), at most `limit`; `where` is a probe facet's own
   * SQL condition (never user input).
   */
  pidEvents(probe: ProbeSpec, pid: number, fromNs: number, toNs: number, opts: { limit: number; newest?: boolean; where?: string }): TraceEvent[] {
    if (!this.schema.probes.includes(probe)) return [];
    const order = opts.newest ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM ${ident(probe.table)} WHERE pid = ? AND ts >= ? AND ts <= ?${opts.where ? ` AND (${opts.where})` : ''} ORDER BY ts ${order}, id ${order} LIMIT ?`;
    return (this.db.prepare(sql).all(pid, fromNs, toNs, opts.limit) as Record<string, unknown>[]).map((r) => eventFromRow(probe, r));
  }

  /** The parent chain of a process, nearest first (stops where the capture knows no parent, at a loop, or after READ_BOUNDS.ancestors). */
  ancestors(p: ProcessRow): ProcessRow[] {
    const out: ProcessRow[] = [];
    const seen = new Set<number>([p.id]);
    let cur: ProcessRow | undefined = p;
    const stmt = this.db.prepare('SELECT * FROM processes WHERE pid = ? AND start_ticks = ? LIMIT 1');
    while (cur && cur.parentPid !== null && cur.parentStartTicks !== null && out.length < READ_BOUNDS.ancestors) {
      const row = stmt.get(cur.parentPid, cur.parentStartTicks) as Record<string, unknown> | undefined;
      if (!row) break;
      cur = processRow(row);
      if (seen.has(cur.id)) break;
      seen.add(cur.id);
      out.push(cur);
    }
    return out;
  }

  /**
   * Direct children of a process lifetime, in start order (never pid order, which
   * wraps around): start tick, then start ns within a tick, then the order the
   * recorder met them; at most `limit` (READ_BOUNDS.children).
   */
  children(p: ProcessRow, limit: number = READ_BOUNDS.children): ProcessRow[] {
    return (this.db.prepare('SELECT * FROM processes WHERE parent_pid = ? AND parent_start_ticks = ? ORDER BY start_ticks, start_ns IS NULL, start_ns, id LIMIT ?').all(p.pid, p.startTicks, limit) as Record<string, unknown>[]).map(processRow);
  }

  /** Closes the capture (and removes a private copy). */
  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    if (this.db?.open) this.db.close();
    this.cleanup();
  }

  private cleanup(): void {
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }

  private queryChild(): ChildProcess {
    if (this.child && this.child.exitCode === null) return this.child;
    this.child = forkModule(QUERY_CHILD, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.child.unref();
    this.child.channel?.unref();
    return this.child;
  }
}

/** Whether anything is at `path` (not followed): a -wal beside a capture, looked at only, never opened here. */
function existsQuietly(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** What a query that ran out of time says. */
function timeoutMessage(ms: number): string {
  return `query stopped after ${ms / 1000} s (narrow it with WHERE or LIMIT, or allow more time)`;
}

function fromChild(v: unknown): unknown {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

function queryError(message: string, code?: string): CaptureError {
  if (code === 'QUERY') return new CaptureError(message, 'QUERY');
  if (/more than one statement/i.test(message)) return new CaptureError('one statement at a time (remove the extra ;)', 'QUERY');
  if (/readonly|read-only|attempt to write/i.test(message)) return new CaptureError('captures are read-only: only SELECT-like statements are allowed', 'QUERY');
  return new CaptureError(`query failed: ${message}`, 'QUERY');
}

function processRow(r: Record<string, unknown>): ProcessRow {
  return {
    id: intOf(r.id),
    pid: intOf(r.pid),
    startTicks: intOf(r.start_ticks),
    parentPid: intOrNull(r.parent_pid),
    parentStartTicks: intOrNull(r.parent_start_ticks),
    uid: intOrNull(r.uid),
    comm: byteStringOf(r.comm, r.comm_raw),
    exe: byteStringOf(r.exe, r.exe_raw),
    argv: argvOf(r.argv, r.argv_raw),
    startNs: intOrNull(r.start_ns),
    exitNs: intOrNull(r.exit_ns),
    exitCode: intOrNull(r.exit_code),
    source: String(r.source),
  };
}
