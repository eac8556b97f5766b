import { type ByteString, type TraceEvent } from '../event/index.js';
import { findProbe, type DescribePart } from '../probes/index.js';
import { clockIn, displayZone, escapeTerminal, isoIn, resolveZone, safeJson, type DisplayZone } from '../text/index.js';
import { wallTime, type Clock } from '../engine/index.js';
import { RepeatSlot, type TextChunk } from './text-chunk.js';

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

/** clockTime() appended to `out` (the cached hh:mm:ss. prefix and three digits, no string built per event). */
function clockTimeInto(clock: Clock, ts: number, out: TextChunk): void {
  const ms = Math.floor((ts + clock.offsetNs) / 1e6);
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond || displayZone() !== cachedZone) clockTime(clock, ts);
  out.strAt(SLOTS.time, cachedPrefix);
  const frac = ms - second * 1000;
  out.byte(0x30 + Math.floor(frac / 100));
  out.byte(0x30 + (Math.floor(frac / 10) % 10));
  out.byte(0x30 + (frac % 10));
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

/**
 * Which columns the event table shows, and how wide: text output has them
 * all; a narrow terminal gives some up so DETAIL keeps room (see the shell's
 * event-columns.ts for the order).
 */
export interface EventColumns {
  ppid: boolean;
  uid: boolean;
  probeWidth: number;
  commWidth: number;
  /** hh:mm:ss.mmm, or hh:mm:ss. */
  millis: boolean;
}

/** Every column at its full width: the text output of trace, and a wide terminal. */
export const FULL_COLUMNS: Readonly<EventColumns> = Object.freeze({ ppid: true, uid: true, probeWidth: 10, commWidth: 16, millis: true });

/** Columns taken before DETAIL starts (each with its separating space). */
export function fixedWidth(c: EventColumns): number {
  return (c.millis ? 13 : 9) + c.probeWidth + 1 + 8 + (c.ppid ? 8 : 0) + (c.uid ? 7 : 0) + c.commWidth + 1;
}

/** The table's header for `c`. */
export function headerFor(c: EventColumns): string {
  return (
    `${'TIME'.padEnd(c.millis ? 12 : 8)} ${'PROBE'.padEnd(c.probeWidth)} ${'PID'.padStart(7)} ` +
    `${c.ppid ? `${'PPID'.padStart(7)} ` : ''}${c.uid ? `${'UID'.padStart(6)} ` : ''}${'COMM'.padEnd(c.commWidth)} DETAIL`
  );
}

/** Column header of the text output. */
export const TEXT_HEADER = headerFor(FULL_COLUMNS);

/** Pads to `w` code points; a narrowed column cuts with `…` (the full layout never cuts: text output keeps every byte). */
function cell(s: string, w: number): string {
  const cps = [...s];
  return cps.length > w ? cps.slice(0, w - 1).join('') + '…' : s.padEnd(w);
}

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

/** The PROBE column and spec of a probe name, cached. */
function probeColumnOf(name: string): { probe: ReturnType<typeof findProbe>; column: string } {
  let p = probeColumn.get(name);
  if (!p) {
    // Probe names come from a fixed registry; the bound only guards against a capture inventing many.
    if (probeColumn.size > 256) probeColumn.clear();
    const probe = findProbe(name);
    probeColumn.set(name, (p = { probe, column: (probe?.table ?? name).padEnd(10) }));
  }
  return p;
}

/** One line per event, like bcc's tools; every traced string escaped; `c` picks the columns. */
export function formatEventLine(e: TraceEvent, clock: Clock, c: EventColumns = FULL_COLUMNS): string {
  const p = probeColumnOf(e.probe);
  const detail = p.probe ? renderParts(p.probe.describe(e)) : '';
  // trace's text output (every column, full width) takes the cached path: it runs per event in a storm.
  if (c === FULL_COLUMNS) return clockTime(clock, e.ts) + ' ' + p.column + whoColumns(e) + detail;
  const time = clockTime(clock, e.ts);
  return (
    `${c.millis ? time : time.slice(0, 8)} ${cell(p.probe?.table ?? e.probe, c.probeWidth)} ${String(e.pid).padStart(7)} ` +
    `${c.ppid ? `${String(e.ppid).padStart(7)} ` : ''}${c.uid ? `${String(e.uid).padStart(6)} ` : ''}` +
    `${cell(escapeTerminal(e.comm), c.commWidth)} ${detail}`
  );
}

/** The bytes last appended at each place of a line: consecutive events of a storm mostly repeat them. */
const SLOTS = { time: new RepeatSlot(), probe: new RepeatSlot(), who: new RepeatSlot(), parts: [] as RepeatSlot[], data: [] as RepeatSlot[] };

/** renderParts() appended to `out`; a traced string equal to the last one at its place is not escaped again. */
function renderPartsInto(parts: DescribePart[], out: TextChunk): void {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      out.strAt(SLOTS.parts[i] ?? (SLOTS.parts[i] = new RepeatSlot()), p);
      continue;
    }
    // Traced text keeps its escaped bytes under the unescaped text, in slots of its own (never mixed with literal parts).
    const slot = SLOTS.data[i] ?? (SLOTS.data[i] = new RepeatSlot());
    if (Array.isArray(p.data)) out.str(p.data.map(argWord).join(' '));
    // Only text repeats by value: bytes (invalid UTF-8) are escaped every time.
    else if (typeof p.data === 'string' && slot.text === p.data) out.strAt(slot, p.data);
    else {
      const from = out.length;
      out.str(escapeTerminal(p.data as ByteString));
      if (typeof p.data === 'string') out.keptAs(slot, p.data, from);
    }
  }
}

/**
 * formatEventLine(e, clock) and a newline, appended to `out` as UTF-8: the
 * same bytes, built without a string per line (trace's text output, per
 * event in a storm).
 */
export function formatEventLineInto(e: TraceEvent, clock: Clock, out: TextChunk): void {
  const p = probeColumnOf(e.probe);
  clockTimeInto(clock, e.ts, out);
  out.byte(0x20);
  out.strAt(SLOTS.probe, p.column);
  out.strAt(SLOTS.who, whoColumns(e));
  if (p.probe) renderPartsInto(p.probe.describe(e), out);
  out.byte(0x0a);
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
