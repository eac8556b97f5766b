// The clock alone, not the engine's index: readers of a capture never load the live engine.
import { wallTime } from '../engine/clock.js';
import { dateTimeIn, displayZone, displayZoneChoice, setDisplayZone, zoneLabel, type ZoneChoice } from '../text/index.js';

/** `2026-11-21 07:40:01.123` in the display zone for a kernel timestamp of a capture with this clock offset (the header names the zone: zoneLine); `(invalid time)` for a value no date has (a damaged capture). */
export function wallClock(ns: number, offsetNs: number): string {
  return dateTimeIn(displayZone(), wallTime({ offsetNs }, ns).getTime());
}

/** `times in UTC+01:00 Europe/Berlin`: the line a report prints once above the times it shows (the offset as at `ns`). */
export function zoneLine(ns: number, offsetNs: number): string {
  return `times in ${zoneLabel(displayZone(), wallTime({ offsetNs }, ns).getTime())}`;
}

/** The zone a reader of a capture starts in: `--utc`, `--local`, or by default the capture host's. */
export function zoneChoiceOf(o: { utc?: boolean; local?: boolean }): ZoneChoice {
  return o.utc ? 'utc' : o.local ? 'local' : 'host';
}

/** Resolves the chosen zone against the capture's recorded host zone (call once the capture is open). */
export function applyCaptureZone(hostZone: string | null, choice: ZoneChoice = displayZoneChoice()): void {
  setDisplayZone(choice, hostZone);
}

/** `1m02.5s` style duration. */
export function duration(ns: number): string {
  const s = ns / 1e9;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${(s - m * 60).toFixed(0).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
