import type { ByteString, TraceEvent } from '../../event/index.js';
import type { ConnectionFact, ProbeSpec } from '../../probes/index.js';
import type { CaptureReader, ProcessRow } from './capture-reader.js';

/** Most processes one as-of table lists (a hostile capture may hold any number alive at once); the rest are counted. */
export const AS_OF_MAX_PROCESSES = 5000;
/** Connections listed per process; the rest are counted. */
export const AS_OF_MAX_CONNECTIONS = 10;
/** Most time spent reading execs and connections (a capture whose recorder died has no indexes); after it, rows are shown as the process table has them. */
export const AS_OF_BUDGET_MS = 20_000;

/** Exec events read per process and probe to find the last successful one (failed execs of a PATH search come first). */
const EXEC_READ = 64;
/** Two probes' records of one exec (both at sched_process_exec) lie this close together. */
const SAME_EXEC_NS = 10e6;
/** Parents followed to find the image a child ran before its own exec. */
const IMAGE_DEPTH = 16;

/** Where the image (comm, exe, argv) shown for a process at an instant comes from. */
export type ImageSource =
  /** its last exec at or before the instant */
  | 'exec'
  /** its processes row: no exec of it during the capture */
  | 'row'
  /** forked during the capture and not yet exec'd: its parent's image when it was forked */
  | 'parent'
  /** not known: it exec'd later, and what it ran before was not recorded */
  | 'unknown';

/** The image a process ran at an instant. */
export interface ProcessImage {
  comm: ByteString | null;
  exe: ByteString | null;
  argv: ByteString[] | null;
  uid: number | null;
  from: ImageSource;
  /** When `from` is exec: that exec's ts. */
  execNs: number | null;
}

/** One connection a process had opened by the instant. */
export interface OpenConnection extends ConnectionFact {
  ts: number;
}

/** One process alive at the instant. */
export interface ProcessAsOf {
  /** Its lifetime as the processes table has it (exe/argv/comm there are the last ones). */
  row: ProcessRow;
  /** What it ran at the instant. */
  image: ProcessImage;
  /** Connections it opened before the instant, oldest first (the capture records opens, not closes). */
  connections: OpenConnection[];
  /** Connections not listed. */
  moreConnections: number;
}

/** The process table at one instant. */
export interface ProcessTableAt {
  atNs: number;
  processes: ProcessAsOf[];
  /** Alive at the instant but not listed (over AS_OF_MAX_PROCESSES). */
  more: number;
  /** The time budget ran out: later processes show their processes row and no connections. */
  partial: boolean;
  /** Probes whose tables could show connections: none means the capture cannot tell. */
  connectionProbes: string[];
}

interface ExecSeen {
  ts: number;
  e: TraceEvent;
  exe: ByteString | null;
  argv: ByteString[] | null;
  full: boolean;
}

/**
 * The process table as it was at `atNs`: every lifetime alive then, with
 * the image it ran then (the last exec at or before it, else what it was
 * forked with), and the connections it had opened. Reads only through the
 * reader and the probes' facets (processFact, connections).
 */
export function processTableAt(r: CaptureReader, atNs: number, opts: { limit?: number; budgetMs?: number } = {}): ProcessTableAt {
  const limit = opts.limit ?? AS_OF_MAX_PROCESSES;
  const deadline = Date.now() + (opts.budgetMs ?? AS_OF_BUDGET_MS);
  const execProbes = r.schema.probes.filter((p) => p.facets?.processFact);
  const connProbes = r.schema.probes.filter((p) => p.facets?.connections);
  const { rows, total } = r.processesAt(atNs, limit);
  const byKey = new Map(rows.map((p) => [`${p.pid}/${p.startTicks}`, p]));
  let partial = false;
  const processes = rows.map((row): ProcessAsOf => {
    if (Date.now() >= deadline) {
      partial = true;
      return { row, image: rowImage(row), connections: [], moreConnections: 0 };
    }
    // Without a start the lifetime has no lower bound: another lifetime of the same pid could be read as its own.
    if (row.startNs === null) return { row, image: rowImage(row), connections: [], moreConnections: 0 };
    const image = imageAt(r, row, atNs, execProbes, byKey, 0);
    const conns = connectionsAt(r, row, atNs, connProbes);
    return { row, image, connections: conns.slice(0, AS_OF_MAX_CONNECTIONS), moreConnections: Math.max(0, conns.length - AS_OF_MAX_CONNECTIONS) };
  });
  return { atNs, processes, more: total - rows.length, partial, connectionProbes: connProbes.map((p) => p.name) };
}

function rowImage(p: ProcessRow): ProcessImage {
  return { comm: p.comm, exe: p.exe, argv: p.argv, uid: p.uid, from: 'row', execNs: null };
}

const UNKNOWN_IMAGE: ProcessImage = { comm: null, exe: null, argv: null, uid: null, from: 'unknown', execNs: null };

/** Successful execs of this lifetime in [from, to], newest first (or oldest first), across the probes that record execs. */
function execsOf(r: CaptureReader, p: ProcessRow, from: number, to: number, probes: ProbeSpec[], newest: boolean): ExecSeen[] {
  const out: ExecSeen[] = [];
  for (const probe of probes) {
    const fact = probe.facets!.processFact!;
    for (const e of r.pidEvents(probe, p.pid, from, to, { limit: EXEC_READ, newest })) {
      const f = fact(e);
      // A fact that names its lifetime must name this one (a reused pid is another row).
      if (f?.kind !== 'exec' || (f.startTicks !== undefined && f.startTicks !== p.startTicks)) continue;
      out.push({ ts: e.ts, e, exe: f.exe, argv: f.argv, full: f.fullArgv });
    }
  }
  return out.sort((a, b) => (newest ? b.ts - a.ts : a.ts - b.ts));
}

/** The image process `p` ran at `atNs`. */
function imageAt(r: CaptureReader, p: ProcessRow, atNs: number, probes: ProbeSpec[], alive: Map<string, ProcessRow>, depth: number): ProcessImage {
  const from = p.startNs ?? -Number.MAX_SAFE_INTEGER;
  const before = execsOf(r, p, from, atNs, probes, true);
  const last = before[0];
  if (last) {
    // The process-table probe keeps a short argv; another probe's record of the same exec has all of it.
    const full = last.full ? last : before.find((x) => x.full && Math.abs(x.ts - last.ts) <= SAME_EXEC_NS && sameBytes(x.exe, last.exe));
    const use = full ?? last;
    return { comm: last.e.comm, exe: use.exe ?? last.exe, argv: use.argv ?? last.argv, uid: last.e.uid, from: 'exec', execNs: last.ts };
  }
  const to = p.exitNs ?? Number.MAX_SAFE_INTEGER;
  if (atNs >= to || !execsOf(r, p, atNs + 1, to, probes, false).length) return rowImage(p);
  // It exec'd later: its row holds the later image. Before that it ran what it was forked with, if the capture saw the fork.
  if (p.source !== 'fork' || p.startNs === null || p.parentPid === null || p.parentStartTicks === null || depth >= IMAGE_DEPTH) return UNKNOWN_IMAGE;
  const key = `${p.parentPid}/${p.parentStartTicks}`;
  const parent = alive.get(key) ?? r.process(p.parentPid, p.startNs);
  if (!parent || parent.startTicks !== p.parentStartTicks) return UNKNOWN_IMAGE;
  const img = imageAt(r, parent, p.startNs, probes, alive, depth + 1);
  return img.from === 'unknown' ? UNKNOWN_IMAGE : { ...img, from: 'parent', execNs: null };
}

function sameBytes(a: ByteString | null, b: ByteString | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(typeof a === 'string' ? Buffer.from(a) : a).equals(Buffer.from(typeof b === 'string' ? Buffer.from(b) : b));
}

/** Connections `p` opened in [start, atNs], oldest first: at most AS_OF_MAX_CONNECTIONS + 1 per probe. */
function connectionsAt(r: CaptureReader, p: ProcessRow, atNs: number, probes: ProbeSpec[]): OpenConnection[] {
  const from = p.startNs ?? -Number.MAX_SAFE_INTEGER;
  const out: OpenConnection[] = [];
  for (const probe of probes) {
    const facet = probe.facets!.connections!;
    for (const e of r.pidEvents(probe, p.pid, from, atNs, { limit: AS_OF_MAX_CONNECTIONS + 1, where: facet.where })) {
      const c = facet.of(e);
      if (c) out.push({ ...c, ts: e.ts });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}
