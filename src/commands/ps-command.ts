import type { ByteString } from '../event/index.js';
import { shownTime, resolveGoto, SessionError } from '../session/index.js';
import { captureCell as cell, escapeTerminal, safeJson, setHostNames, userLabel } from '../text/index.js';
import { CaptureReader, processTableAt, type CaptureInfo, type ProcessAsOf, type ProcessTableAt } from '../store/index.js';
import { duration, applyCaptureZone, wallClock, zoneLine } from './capture-time.js';
import { isDeliveredCause } from '../engine/index.js';
import { UsageError } from './errors.js';
import { renderParts } from './event-format.js';

/** The forms `--at` and `:ps` accept, for the error that names them. */
export const PS_TIME_FORMS = '14:03:15, 14:03:15.250 (in the zone shown, as replay shows it), 2026-12-06T14:03:15Z, +30s (from the start; in replay from the replay position), 50%, note N, start, end';

/** The table with what the capture's losses say of it. */
interface PsTable extends ProcessTableAt {
  /** A process-table probe (or every probe) lost events: an exit may be missing. */
  exitsMayBeMissing: boolean;
}

/** How `ps` shows the table. */
export interface PsOptions {
  tree?: boolean;
  json?: boolean;
}

/** The first and last instants of a capture: an unclean one ends at its last commit (where the gap starts). */
export function captureSpan(info: CaptureInfo): { startNs: number; endNs: number; offsetNs: number } {
  return { startNs: info.startNs, endNs: Math.max(info.startNs, info.endNs ?? info.gap?.startNs ?? info.startNs), offsetNs: info.clockOffsetNs };
}

/** Resolves a `--at` time against a capture (`now`: what `+30s` counts from; default its start). */
export function resolvePsTime(r: CaptureReader, words: string[], now?: number, info: CaptureInfo = r.info()): number {
  const span = captureSpan(info);
  const notes = r.notes().map((n, i) => ({ n: i + 1, ts: n.ts, text: n.text }));
  try {
    return resolveGoto(words, { ...span, now: now ?? span.startNs, notes });
  } catch (e) {
    if (!(e instanceof SessionError)) throw e;
    // Out of the capture, or no such note: that message says what is. Anything else: name the forms.
    if (/^(no note |this capture has no notes|.* is outside the capture \()/.test(e.message)) throw new UsageError(e.message);
    throw new UsageError(`'${escapeTerminal(words.join(' '))}' is not a time of the capture (use ${PS_TIME_FORMS})`);
  }
}

/** Escaped argv words, a word with a space (or empty) quoted. */
function argvText(argv: ByteString[] | null): string {
  if (!argv) return '?';
  return argv.map((a) => {
    const s = escapeTerminal(a);
    return s === '' || s.includes(' ') ? `'${s.replace(/'/g, "\\'")}'` : s;
  }).join(' ');
}

/**
 * What the line says of the process's end, seen from the instant: no exit in
 * a capture that stopped cleanly and lost no process-table event means it
 * still ran at the end; otherwise its exit may simply be missing.
 */
function laterText(p: ProcessAsOf, t: PsTable, info: CaptureInfo): string {
  const x = p.row.exitNs;
  if (x !== null) return `exited ${shownTime(x + info.clockOffsetNs)}`;
  return info.cleanStop && !t.exitsMayBeMissing ? 'running at end' : 'exit not seen';
}

function ranText(p: ProcessAsOf, atNs: number): string {
  if (p.row.startNs === null || !Number.isFinite(p.row.startNs)) return '?';
  const ns = Math.max(0, atNs - p.row.startNs);
  return ns < 1e9 ? `${Math.floor(ns / 1e6)} ms` : duration(ns);
}

/** The image's provenance when it is not the process's own last exec. */
function imageNote(p: ProcessAsOf): string {
  if (p.image.from === 'parent') return ' [not yet exec\'d: its parent\'s image]';
  if (p.image.from === 'unknown') return ' [exec\'d later: the image before is not recorded]';
  return '';
}

function connectionLines(p: ProcessAsOf, indent: string, info: CaptureInfo): string[] {
  const out = p.connections.map((c) => `${indent}${c.direction === 'out' ? '->' : '<-'} ${renderParts(c.parts)} since ${shownTime(c.ts + info.clockOffsetNs)}`);
  if (p.moreConnections) out.push(`${indent}… ${p.moreConnections}+ more connections (query the capture for all)`);
  return out;
}

/** The table's header; the UID column as wide as its widest `name(uid)`. */
const head = (uidWidth: number) => `${'PID'.padStart(7)} ${'PPID'.padStart(7)} ${'UID'.padStart(uidWidth)} ${'RAN'.padStart(8)}  ${'LATER'.padEnd(21)} ${'COMM'.padEnd(16)} EXE  ARGV`;

function tableLine(p: ProcessAsOf, t: PsTable, info: CaptureInfo, uidWidth: number): string {
  const img = p.image;
  const e = (v: ByteString | null) => (v === null ? '?' : escapeTerminal(v));
  return `${cell(p.row.pid).padStart(7)} ${cell(p.row.parentPid).padStart(7)} ${userLabel(img.uid).padStart(uidWidth)} ${ranText(p, t.atNs).padStart(8)}  ${laterText(p, t, info).padEnd(21)} ${e(img.comm).padEnd(16)} ${e(img.exe)}  ${argvText(img.argv)}${imageNote(p)}`;
}

function treeLine(p: ProcessAsOf, t: PsTable, info: CaptureInfo): string {
  const img = p.image;
  const e = (v: ByteString | null) => (v === null ? '?' : escapeTerminal(v));
  return `${cell(p.row.pid)} ${e(img.comm)} uid ${userLabel(img.uid)} ${e(img.exe)} ${argvText(img.argv)}${imageNote(p)} (ran ${ranText(p, t.atNs)}, ${laterText(p, t, info)})`;
}

/** Children first by their parent key, each list in start order; the roots are those whose parent was not alive then. */
function treeLines(t: PsTable, info: CaptureInfo): string[] {
  const key = (pid: number | null, ticks: number | null) => `${pid}/${ticks}`;
  const alive = new Set(t.processes.map((p) => key(p.row.pid, p.row.startTicks)));
  const kids = new Map<string, ProcessAsOf[]>();
  for (const p of t.processes) {
    const k = key(p.row.parentPid, p.row.parentStartTicks);
    if (!kids.has(k)) kids.set(k, []);
    kids.get(k)!.push(p);
  }
  for (const list of kids.values()) list.sort((a, b) => a.row.startTicks - b.row.startTicks || a.row.pid - b.row.pid);
  const lines: string[] = [];
  const seen = new Set<number>();
  // Iterative, so a deep chain in a hostile capture cannot overflow the stack; a parent loop is not reachable from a root.
  const walk = (root: ProcessAsOf) => {
    const stack: [ProcessAsOf, number][] = [[root, 0]];
    while (stack.length) {
      const [p, depth] = stack.pop()!;
      if (seen.has(p.row.id)) continue;
      seen.add(p.row.id);
      lines.push(`  ${'│ '.repeat(Math.max(0, depth - 1))}${depth ? '├ ' : ''}${treeLine(p, t, info)}`);
      lines.push(...connectionLines(p, `  ${'│ '.repeat(depth)}  `, info));
      const children = kids.get(key(p.row.pid, p.row.startTicks)) ?? [];
      for (let i = children.length - 1; i >= 0; i--) stack.push([children[i]!, depth + 1]);
    }
  };
  const roots = t.processes.filter((p) => !alive.has(key(p.row.parentPid, p.row.parentStartTicks)));
  roots.sort((a, b) => a.row.startTicks - b.row.startTicks || a.row.pid - b.row.pid);
  for (const r of roots) walk(r);
  // Whatever is left sits on a loop of parent links (a damaged capture): listed as roots too.
  for (const p of t.processes) if (!seen.has(p.row.id)) walk(p);
  return lines;
}

function headerLine(r: CaptureReader, t: PsTable, info: CaptureInfo): string {
  const into = duration(Math.max(0, t.atNs - info.startNs));
  const n = t.processes.length + t.more;
  return `${escapeTerminal(r.path)} at ${shownTime(t.atNs + info.clockOffsetNs)} (${wallClock(t.atNs, info.clockOffsetNs)}, ${into} into the capture; ${zoneLine(t.atNs, info.clockOffsetNs)}): ${n} process${n === 1 ? '' : 'es'} alive`;
}

function footerLines(t: PsTable): string[] {
  const out: string[] = [];
  if (t.more) out.push(`… ${t.more} more processes not listed (query the capture's processes table for all)`);
  if (t.partial) out.push('(execs and connections not read for every process: the time budget ran out; later rows show the processes table as it is)');
  out.push(t.connectionProbes.length
    ? 'connections: opened before the instant by a process alive then (the capture records opens, not closes)'
    : 'connections: not known (no probe that records connections was attached)');
  return out;
}

function jsonOf(r: CaptureReader, t: PsTable, info: CaptureInfo): string {
  const off = info.clockOffsetNs;
  const iso = (ns: number | null) => (ns === null ? null : new Date(Math.floor((ns + off) / 1e6)).toISOString());
  const processes = t.processes.map((p) => ({
    pid: p.row.pid,
    ppid: p.row.parentPid,
    uid: p.image.uid,
    comm: p.image.comm,
    exe: p.image.exe,
    argv: p.image.argv,
    image: p.image.from,
    execNs: p.image.execNs,
    startNs: p.row.startNs,
    startTime: p.row.startNs === null ? null : iso(p.row.startNs),
    ranNs: p.row.startNs === null ? null : Math.max(0, t.atNs - p.row.startNs),
    exitNs: p.row.exitNs,
    exitTime: iso(p.row.exitNs),
    exitCode: p.row.exitCode,
    connections: p.connections.map((c) => ({ direction: c.direction, ts: c.ts, time: iso(c.ts), to: renderParts(c.parts) })),
    moreConnections: p.moreConnections,
  }));
  const out = { capture: r.path, atNs: t.atNs, atTime: iso(t.atNs), alive: t.processes.length + t.more, listed: t.processes.length, partial: t.partial, connectionsKnown: t.connectionProbes.length > 0, processes };
  return safeJson(out) + '\n';
}

/** Text of `ebpfsh ps FILE --at TIME` (and `:ps` in replay): the process table at capture ns `atNs`. */
export function formatPs(r: CaptureReader, atNs: number, opts: PsOptions = {}, info: CaptureInfo = r.info()): string {
  const tableProbes = new Set(r.schema.probes.filter((p) => p.role === 'process-table').map((p) => p.name));
  const exitsMayBeMissing = info.losses.some((l) => !isDeliveredCause(l.cause) && (l.probe === null || tableProbes.has(l.probe)));
  const t: PsTable = { ...processTableAt(r, atNs), exitsMayBeMissing };
  if (opts.json) return jsonOf(r, t, info);
  const uidWidth = Math.max(6, ...t.processes.map((p) => userLabel(p.image.uid).length));
  const body = opts.tree ? treeLines(t, info) : [head(uidWidth), ...t.processes.flatMap((p) => [tableLine(p, t, info, uidWidth), ...connectionLines(p, ' '.repeat(10), info)])];
  return [headerLine(r, t, info), ...body, ...footerLines(t)].join('\n') + '\n';
}

/** Runs `ebpfsh ps FILE --at TIME [--tree] [--json]`. */
export function runPs(path: string, at: string, opts: PsOptions): void {
  const r = CaptureReader.open(path);
  try {
    // info() counts every table's rows: once is enough.
    const info = r.info();
    applyCaptureZone(info.hostZone);
    setHostNames(r.hostNames());
    process.stdout.write(formatPs(r, resolvePsTime(r, [at], undefined, info), opts, info));
  } finally {
    r.close();
  }
}
