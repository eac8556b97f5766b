import { type ByteString, type TraceEvent } from '../event/index.js';
import { findProbe, type DescribePart } from '../probes/index.js';
import { clockIn, displayZone, escapeTerminal, isoIn, resolveZone, safeJson, type DisplayZone } from '../text/index.js';
import { wallTime, type Clock } from '../engine/index.js';

let cachedSecond = NaN;
let cachedPrefix = '';
let cachedZone: DisplayZone | undefined;

/** hh:mm:ss.mmm of a kernel timestamp in the display zone (the hh:mm:ss part is built once per second); the view's header names the zone. */
export function clockTime(clock: Clock, ts: number): string {
  const ms = Math.floor((ts + clock.offsetNs) / 1e6);
  const second = Math.floor(ms / 1000);
  const zone = displayZone();
  if (second !== cachedSecond || zone !== cachedZone) {
    cachedPrefix = clockIn(zone, second * 1000).slice(0, 9);
    cachedSecond = second;
    cachedZone = zone;
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

/** A probe's name as the PROBE column shows it, and its spec: looked up once per name, not per line. */
const probeColumn = new Map<string, { probe: ReturnType<typeof findProbe>; column: string }>();

/** The PID..COMM columns of the last line: consecutive events mostly come from the same process. */
let lastWho: { pid: number; ppid: number; uid: number; comm: ByteString; text: string } | undefined;

/** ` pid ppid uid comm ` of an event (cached while the process repeats). */
function whoColumns(e: TraceEvent): string {
  const w = lastWho;
  if (w && w.pid === e.pid && w.ppid === e.ppid && w.uid === e.uid && w.comm === e.comm) return w.text;
  const text = ` ${String(e.pid).padStart(7)} ${String(e.ppid).padStart(7)} ${String(e.uid).padStart(6)} ${escapeTerminal(e.comm).padEnd(16)} `;
  // Only a text comm is kept: bytes are compared by identity, and a new Uint8Array never matches.
  lastWho = { pid: e.pid, ppid: e.ppid, uid: e.uid, comm: e.comm, text };
  return text;
}

/** One line per event, like bcc's tools; every traced string escaped. */
export function formatEventLine(e: TraceEvent, clock: Clock): string {
  let p = probeColumn.get(e.probe);
  if (!p) {
    // Probe names come from a fixed registry; the bound only guards against a capture inventing many.
    if (probeColumn.size > 256) probeColumn.clear();
    const probe = findProbe(e.probe);
    probeColumn.set(e.probe, (p = { probe, column: (probe?.table ?? e.probe).padEnd(10) }));
  }
  return clockTime(clock, e.ts) + ' ' + p.column + whoColumns(e) + (p.probe ? renderParts(p.probe.describe(e)) : '');
}

/** Machine output (JSON, CSV) is in UTC unless asked otherwise: ISO 8601 with `Z` names its zone. */
const UTC_ZONE = resolveZone('utc', null);

/** ISO wall time of a kernel timestamp, or null when it has none (a damaged capture's ts). */
function isoTime(clock: Clock, ts: number, zone: DisplayZone): string | null {
  return isoIn(zone, wallTime(clock, ts).getTime());
}

/** The event as a flat JSON-able object (wall time, header, then fields). */
export function eventRecord(e: TraceEvent, clock: Clock, zone: DisplayZone = UTC_ZONE): Record<string, unknown> {
  return {
    time: isoTime(clock, e.ts, zone),
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
