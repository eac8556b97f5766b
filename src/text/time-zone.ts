/**
 * The one place times are put into a zone for the terminal. Every reader
 * (replay, info, export, tree, ps, the live shell) formats through here, so
 * one choice (`--utc`, `--local`, `:set tz`) changes them all, and every
 * header names the zone it shows.
 */

/** Which zone to show: the capture host's (its recorded IANA zone), this machine's, or UTC. */
export type ZoneChoice = 'host' | 'local' | 'utc';

/** A resolved display zone: the IANA name handed to Intl (undefined: this machine's zone), and why it was chosen. */
export interface DisplayZone {
  /** IANA name, 'UTC', or undefined for this process's local zone. */
  tz: string | undefined;
  /** What the label adds after the offset: the IANA name, or `local`. */
  name: string;
  /** Set when the host zone was asked for and the capture has none (recorded before schema 4 kept it). */
  note?: string;
}

/** This machine's IANA zone name (`Etc/Unknown` style values are passed on as they are). */
export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local';
}

/** True when `name` is a zone Intl knows: a capture is hostile input, its zone name is checked before use. */
export function isZoneName(name: unknown): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone `choice` means for a source whose host recorded `hostZone` (null: not recorded, e.g. live or an old capture). */
export function resolveZone(choice: ZoneChoice, hostZone: string | null): DisplayZone {
  if (choice === 'utc') return { tz: 'UTC', name: 'UTC' };
  if (choice === 'host' && hostZone !== null && isZoneName(hostZone)) return { tz: hostZone, name: hostZone };
  return localZone(choice === 'host' && hostZone === null ? 'zone unknown: shown as local' : undefined);
}

/**
 * This machine's zone. Its name is asked of Intl only when a label shows it:
 * the first Intl.DateTimeFormat() starts ICU (~50-90 ms here), which every
 * command would otherwise pay at start-up, this module's default being local.
 */
function localZone(note?: string): DisplayZone {
  let name: string | undefined;
  const zone: DisplayZone = {
    tz: undefined,
    get name() {
      return (name ??= localZoneName());
    },
  };
  if (note !== undefined) zone.note = note;
  return zone;
}

/** Parses a `:set tz` / flag value; null when it is not one. */
export function parseZoneChoice(text: string): ZoneChoice | null {
  const t = text.trim().toLowerCase();
  return t === 'utc' || t === 'local' || t === 'host' ? t : null;
}

const offsetCache = new Map<string, number>();
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes east of UTC of `zone` at `ms` (DST included); cached per quarter hour, the finest step zone rules use. */
export function zoneOffsetMinutes(zone: DisplayZone, ms: number): number {
  if (zone.tz === 'UTC') return 0;
  if (zone.tz === undefined) return -new Date(ms).getTimezoneOffset();
  const quarter = Math.floor(ms / 900_000);
  const key = `${zone.tz}@${quarter}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  let f = formatters.get(zone.tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone.tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone.tz, f);
  }
  const at = quarter * 900_000;
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  const minutes = Math.round((asUtc - at) / 60_000);
  if (offsetCache.size > 4096) offsetCache.clear();
  offsetCache.set(key, minutes);
  return minutes;
}

/** A Date whose UTC fields read as `zone`'s wall clock at `ms` (for formatting only). */
function shifted(zone: DisplayZone, ms: number): Date {
  return new Date(ms + zoneOffsetMinutes(zone, ms) * 60_000);
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** `UTC+01:00` for an offset in minutes (`UTC` for 0). */
export function offsetText(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** `UTC+01:00 Europe/Berlin` (`UTC` alone for UTC): the label a header prints once for the times under it. */
export function zoneLabel(zone: DisplayZone, ms: number): string {
  if (zone.tz === 'UTC') return 'UTC';
  const off = offsetText(zoneOffsetMinutes(zone, ms));
  // A zone named UTC (a container's local zone) is labelled once, not `UTC UTC`.
  const name = zone.name === 'UTC' && off === 'UTC' ? '' : ` ${zone.name}`;
  return `${off}${name}${zone.note ? `; ${zone.note}` : ''}`;
}

/** `hh:mm:ss.mmm` of wall-clock ms in `zone` (bare: the header names the zone); `--:--:--` for a time no date has. */
export function clockIn(zone: DisplayZone, ms: number): string {
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return '--:--:--';
  const d = shifted(zone, Math.floor(ms));
  return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** `2026-11-21` of wall-clock ms in `zone`. */
export function dateIn(zone: DisplayZone, ms: number): string {
  const d = shifted(zone, Math.floor(ms));
  return Number.isNaN(d.getTime()) ? '(invalid date)' : `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
}

/** `2026-11-21 06:40:01.123` of wall-clock ms in `zone` (bare; `(invalid time)` for a value no date has). */
export function dateTimeIn(zone: DisplayZone, ms: number): string {
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return '(invalid time)';
  return `${dateIn(zone, ms)} ${clockIn(zone, ms)}`;
}

/** ISO 8601 with the zone's offset (`2026-11-21T07:40:01.123+01:00`, `Z` for UTC): machine output that still says its zone. */
export function isoIn(zone: DisplayZone, ms: number): string | null {
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return null;
  if (zone.tz === 'UTC') return new Date(Math.floor(ms)).toISOString();
  const off = zoneOffsetMinutes(zone, ms);
  const a = Math.abs(off);
  return `${dateIn(zone, ms)}T${clockIn(zone, ms)}${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** Wall-clock ms of `hh:mm:ss.mmm` on the day of `dayMs` in `zone` (for `:goto 14:03:15` in the zone shown). */
export function wallMsOfClock(zone: DisplayZone, dayMs: number, msInDay: number): number {
  const d = shifted(zone, dayMs);
  const midnightAsUtc = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const guess = midnightAsUtc + msInDay;
  // The offset at the target may differ from the one at the day start (DST): settle on the target's.
  const first = guess - zoneOffsetMinutes(zone, guess) * 60_000;
  return guess - zoneOffsetMinutes(zone, first) * 60_000;
}

/** Midnight (wall-clock ms) in `zone` of the day holding `ms`. */
export function midnightIn(zone: DisplayZone, ms: number): number {
  return wallMsOfClock(zone, ms, 0);
}

let current: DisplayZone = resolveZone('local', null);
let currentChoice: ZoneChoice = 'local';

/**
 * The zone this process shows times in. One terminal shows one source at a
 * time (a shell, a replay, or one CLI command), so one setting serves every
 * formatter without threading it through each call; `:set tz` changes it.
 */
export function displayZone(): DisplayZone {
  return current;
}

/** The choice behind displayZone() (for `:set tz` with no value and the status line). */
export function displayZoneChoice(): ZoneChoice {
  return currentChoice;
}

/** Sets the zone every formatter uses from now on; returns it resolved. */
export function setDisplayZone(choice: ZoneChoice, hostZone: string | null): DisplayZone {
  current = resolveZone(choice, hostZone);
  currentChoice = choice;
  return current;
}
