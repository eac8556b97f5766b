import { wallTime } from '../engine/index.js';

/** `2026-11-21 06:40:01.123Z` for a kernel timestamp of a capture with this clock offset; `(invalid time)` for a value no date has (a damaged capture). */
export function wallClock(ns: number, offsetNs: number): string {
  const d = wallTime({ offsetNs }, ns);
  return Number.isNaN(d.getTime()) ? '(invalid time)' : d.toISOString().replace('T', ' ');
}

/** `1m02.5s` style duration. */
export function duration(ns: number): string {
  const s = ns / 1e9;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${(s - m * 60).toFixed(0).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
