import { clockIn, displayZone, midnightIn, wallMsOfClock } from '../text/index.js';
import { SessionError } from './errors.js';
import type { ReplayNote } from './replay-control.js';

/** What a `:goto` target is resolved against. */
export interface GotoContext {
  now: number;
  startNs: number;
  endNs: number;
  /** wall-clock ns = monotonic ns + offsetNs */
  offsetNs: number;
  notes: ReplayNote[];
}

const UNIT_NS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, min: 60e9, h: 3600e9 };

/** `30s`, `1m30s`, `500ms`, `2h`, `90` (seconds) as ns; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1e9;
  const re = /(\d+(?:\.\d+)?)(ms|min|s|m|h)/gy;
  let ns = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    ns += Number(m[1]) * UNIT_NS[m[2]!]!;
    at = re.lastIndex;
  }
  return at === text.length && at > 0 ? ns : null;
}

/** hh:mm:ss.mmm of a wall-clock ns in the display zone (the clock the event pane shows; its header names the zone). */
export function shownTime(wallNs: number): string {
  return clockIn(displayZone(), wallNs / 1e6);
}

/**
 * Resolves a `:goto` target to capture ns: `14:03:15[.250]` (in the display
 * zone, as the event pane shows it, on whichever day of the capture holds it), an
 * ISO date-time, `+30s` / `-10s` / `+1m30s` from the replay position, `50%`,
 * `start`, `end`, or `note N`. Throws a SessionError that says what is accepted.
 */
export function resolveGoto(words: string[], c: GotoContext): number {
  const text = words.join(' ').trim();
  const clamp = (ns: number) => Math.max(c.startNs, Math.min(c.endNs, ns));
  const range = () => `${shownTime(c.startNs + c.offsetNs)} -> ${shownTime(c.endNs + c.offsetNs)}`;
  if (!text) throw new SessionError('usage: goto <14:03:15 | +30s | -10s | 50% | note N | start | end>');
  if (text === 'start') return c.startNs;
  if (text === 'end') return c.endNs;
  const note = /^note\s+#?(\d+)$/.exec(text);
  if (note) {
    const n = c.notes.find((x) => x.n === Number(note[1]));
    if (!n) throw new SessionError(c.notes.length ? `no note ${note[1]} (notes 1-${c.notes.length}; :notes lists them)` : 'this capture has no notes');
    return clamp(n.ts);
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) return clamp(c.startNs + ((c.endNs - c.startNs) * Number(pct[1])) / 100);
  const rel = /^([+-])\s*(.+)$/.exec(text);
  if (rel) {
    const d = parseDuration(rel[2]!);
    if (d === null) throw new SessionError(`'${text}' is not a duration (e.g. +30s, -10s, +1m30s, +500ms)`);
    return clamp(c.now + (rel[1] === '+' ? d : -d));
  }
  const tod = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (tod) {
    const [, h, m, s, frac] = tod;
    const inDay = ((Number(h) * 60 + Number(m)) * 60 + Number(s ?? 0)) * 1e3 + Number(((frac ?? '') + '000').slice(0, 3));
    const startMs = (c.startNs + c.offsetNs) / 1e6;
    const endMs = (c.endNs + c.offsetNs) / 1e6;
    // A capture can cross midnight: take the first day on which that time falls inside it.
    const zone = displayZone();
    // Days step from the zone's midnight; the noon of each day finds the next one across DST changes.
    for (let day = midnightIn(zone, startMs); day <= endMs; day = midnightIn(zone, day + 36 * 3_600_000)) {
      const ms = wallMsOfClock(zone, day, inDay);
      // Whole-second targets include the second they name: 14:03:15 finds an event at 14:03:15.400 too.
      const within = ms >= Math.floor(startMs / 1000) * 1000 && ms <= endMs;
      if (within) return clamp(ms * 1e6 - c.offsetNs);
    }
    throw new SessionError(`${text} is outside the capture (${range()})`);
  }
  const iso = Date.parse(text.replace(' ', 'T'));
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(text) && Number.isFinite(iso)) {
    const ns = iso * 1e6 - c.offsetNs;
    if (ns < c.startNs - 1e9 || ns > c.endNs + 1e9) throw new SessionError(`${text} is outside the capture (${range()})`);
    return clamp(ns);
  }
  throw new SessionError(`'${text}' is not a time (e.g. goto 14:03:15, goto +30s, goto -10s, goto 50%, goto note 2, goto start)`);
}
