import { afterEach, describe, expect, it } from 'vitest';
import { clockIn, dateTimeIn, displayZone, isoIn, isZoneName, parseZoneChoice, resolveZone, setDisplayZone, wallMsOfClock, zoneLabel, zoneOffsetMinutes } from '../../src/text/index.js';

// 2026-07-01T12:34:56.789Z: summer (Berlin +02:00); 2026-01-15T12:00:00Z: winter (Berlin +01:00)
const SUMMER = Date.UTC(2026, 6, 1, 12, 34, 56, 789);
const WINTER = Date.UTC(2026, 0, 15, 12, 0, 0, 0);

describe('one display zone for every time printed', () => {
  afterEach(() => setDisplayZone('local', null));

  it("shows the capture host's zone by default, with DST, and labels it with offset and name", () => {
    const berlin = resolveZone('host', 'Europe/Berlin');
    expect(clockIn(berlin, SUMMER)).toBe('14:34:56.789');
    expect(clockIn(berlin, WINTER)).toBe('13:00:00.000');
    expect(zoneLabel(berlin, SUMMER)).toBe('UTC+02:00 Europe/Berlin');
    expect(zoneLabel(berlin, WINTER)).toBe('UTC+01:00 Europe/Berlin');
    expect(dateTimeIn(berlin, SUMMER)).toBe('2026-07-01 14:34:56.789');
  });

  it('utc ignores the host zone; half-hour and negative offsets are labelled exactly', () => {
    expect(clockIn(resolveZone('utc', 'Europe/Berlin'), SUMMER)).toBe('12:34:56.789');
    expect(zoneLabel(resolveZone('utc', 'Europe/Berlin'), SUMMER)).toBe('UTC');
    expect(zoneLabel(resolveZone('host', 'Asia/Kolkata'), SUMMER)).toBe('UTC+05:30 Asia/Kolkata');
    expect(zoneLabel(resolveZone('host', 'America/St_Johns'), WINTER)).toBe('UTC-03:30 America/St_Johns');
    expect(zoneOffsetMinutes(resolveZone('host', 'America/New_York'), SUMMER)).toBe(-240);
  });

  it("an unknown or hostile host zone is not used: the local zone, saying the capture's zone is unknown", () => {
    expect(isZoneName('Europe/Berlin')).toBe(true);
    for (const bad of ['Mars/Olympus', '../../etc/passwd', '\u001b[31mEurope/Berlin', '', 'x'.repeat(100), 42, null]) expect(isZoneName(bad)).toBe(false);
    const z = resolveZone('host', null);
    expect(z.tz).toBeUndefined();
    expect(zoneLabel(z, SUMMER)).toMatch(/^UTC([+-]\d\d:\d\d)? ?.*; zone unknown: shown as local$/);
    expect(resolveZone('host', 'Mars/Olympus').note).toBeUndefined();
  });

  it('ISO output carries the offset (Z for UTC), and a time no date has is not printed as one', () => {
    expect(isoIn(resolveZone('host', 'Europe/Berlin'), SUMMER)).toBe('2026-07-01T14:34:56.789+02:00');
    expect(isoIn(resolveZone('utc', null), SUMMER)).toBe('2026-07-01T12:34:56.789Z');
    expect(isoIn(resolveZone('utc', null), 9e18)).toBeNull();
    expect(clockIn(resolveZone('host', 'Europe/Berlin'), Number.NaN)).toBe('--:--:--');
    expect(dateTimeIn(resolveZone('host', 'Europe/Berlin'), 9e18)).toBe('(invalid time)');
  });

  it('a clock time typed in the zone shown maps back to the instant, across a DST change', () => {
    const berlin = resolveZone('host', 'Europe/Berlin');
    expect(wallMsOfClock(berlin, SUMMER, ((14 * 60 + 34) * 60 + 56) * 1000 + 789)).toBe(SUMMER);
    // 2026-03-29: clocks go 02:00 -> 03:00 in Berlin; 04:00 local that day is 02:00 UTC
    expect(wallMsOfClock(berlin, Date.UTC(2026, 2, 29, 0, 30), 4 * 3600_000)).toBe(Date.UTC(2026, 2, 29, 2, 0));
  });

  it('the flag words parse, anything else does not; setDisplayZone changes what every formatter uses', () => {
    expect(['utc', 'LOCAL', ' host '].map(parseZoneChoice)).toEqual(['utc', 'local', 'host']);
    expect(parseZoneChoice('gmt')).toBeNull();
    setDisplayZone('host', 'Asia/Kolkata');
    expect(clockIn(displayZone(), SUMMER)).toBe('18:04:56.789');
    setDisplayZone('utc', 'Asia/Kolkata');
    expect(clockIn(displayZone(), SUMMER)).toBe('12:34:56.789');
  });
});
