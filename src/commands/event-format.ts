import { type ByteString, type TraceEvent } from '../event/index.js';
import { findProbe, type DescribePart } from '../probes/index.js';
import { escapeTerminal, safeJson } from '../text/index.js';
import { wallTime, type Clock } from '../engine/index.js';

let cachedSecond = NaN;
let cachedPrefix = '';

/** hh:mm:ss.mmm local time of a kernel timestamp (the hh:mm:ss part is built once per second). */
export function clockTime(clock: Clock, ts: number): string {
  const ms = Math.floor((ts + clock.offsetNs) / 1e6);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    const p = (n: number) => String(n).padStart(2, '0');
    cachedPrefix = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.`;
    cachedSecond = second;
  }
  return cachedPrefix + String(ms - second * 1000).padStart(3, '0');
}

/** One escaped argv word; quoted when it is empty or holds a space. */
function argWord(a: ByteString): string {
  const s = escapeTerminal(a);
  return s === '' || s.includes(' ') ? `'${s.replace(/'/g, "\\'")}'` : s;
}

/** Renders describe() parts, escaping everything that came from the traced system. */
export function renderParts(parts: DescribePart[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if (Array.isArray(p.data)) out += p.data.map(argWord).join(' ');
    else out += escapeTerminal(p.data as ByteString);
  }
  return out;
}

/** Column header of the text output. */
export const TEXT_HEADER = `${'TIME'.padEnd(12)} ${'PROBE'.padEnd(10)} ${'PID'.padStart(7)} ${'PPID'.padStart(7)} ${'UID'.padStart(6)} ${'COMM'.padEnd(16)} DETAIL`;

/** One line per event, like bcc's tools; every traced string escaped. */
export function formatEventLine(e: TraceEvent, clock: Clock): string {
  const probe = findProbe(e.probe);
  return (
    `${clockTime(clock, e.ts)} ${(probe?.table ?? e.probe).padEnd(10)} ${String(e.pid).padStart(7)} ${String(e.ppid).padStart(7)} ` +
    `${String(e.uid).padStart(6)} ${escapeTerminal(e.comm).padEnd(16)} ${probe ? renderParts(probe.describe(e)) : ''}`
  );
}

/** ISO wall time of a kernel timestamp, or null when it has none (a damaged capture's ts). */
function isoTime(clock: Clock, ts: number): string | null {
  const d = wallTime(clock, ts);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The event as a flat JSON-able object (wall time, header, then fields). */
export function eventRecord(e: TraceEvent, clock: Clock): Record<string, unknown> {
  return {
    time: isoTime(clock, e.ts),
    ts_ns: e.ts,
    probe: e.probe,
    pid: e.pid,
    tid: e.tid,
    ppid: e.ppid,
    uid: e.uid,
    gid: e.gid,
    comm: e.comm,
    cgroup: e.cgroup,
    pidns: e.pidns,
    nspid: e.nspid,
    ...e.fields,
  };
}

/** NDJSON line: exact values, safe to print (C1/bidi escaped, invalid UTF-8 as base64). */
export function formatEventJson(e: TraceEvent, clock: Clock): string {
  return safeJson(eventRecord(e, clock));
}
