import { afterEach, describe, expect, it } from 'vitest';
import { clockTime } from '../../../src/commands/event-format.js';
import { setCommand } from '../../../src/commands/shell/set.js';
import type { ShellContext } from '../../../src/commands/shell/types.js';
import { resolveGoto } from '../../../src/session/index.js';
import { displayZoneChoice, setDisplayZone } from '../../../src/text/index.js';

const SUMMER_NS = Date.UTC(2026, 6, 1, 12, 34, 56, 789) * 1e6;
/** A replay context whose capture was recorded in Asia/Kolkata (only what :set reads). */
const replayCtx = (zone: string | null) => ({ replay: { reader: { hostZone: () => zone } } }) as unknown as ShellContext;
const liveCtx = {} as ShellContext;

describe(':set tz switches the zone of every time on screen', () => {
  afterEach(() => setDisplayZone('local', null));

  it("tz utc / host / local: the event pane's clock follows, and the answer names the zone", async () => {
    const clock = { offsetNs: 0 };
    expect(await setCommand.run(replayCtx('Asia/Kolkata'), ['tz', 'host'])).toEqual({ kind: 'ok', lines: [expect.stringMatching(/^tz host: times in UTC\+05:30 Asia\/Kolkata$/)] });
    expect(clockTime(clock, SUMMER_NS)).toBe('18:04:56.789');
    expect(await setCommand.run(replayCtx('Asia/Kolkata'), ['tz', 'utc'])).toEqual({ kind: 'ok', lines: ['tz utc: times in UTC'] });
    expect(clockTime(clock, SUMMER_NS)).toBe('12:34:56.789');
    expect(await setCommand.run(replayCtx('Asia/Kolkata'), ['tz', 'local'])).toMatchObject({ kind: 'ok' });
    expect(displayZoneChoice()).toBe('local');
  });

  it(':set tz alone says the current zone; the live shell is its own host', async () => {
    await setCommand.run(liveCtx, ['tz', 'host']);
    const out = await setCommand.run(liveCtx, ['tz']);
    expect(out).toMatchObject({ kind: 'ok', lines: [expect.stringMatching(/^tz host: times in /)] });
    expect(JSON.stringify(out)).not.toMatch(/unknown/);
  });

  it("a replay of a capture without a recorded zone says so: 'zone unknown: shown as local'", async () => {
    expect(await setCommand.run(replayCtx(null), ['tz', 'host'])).toMatchObject({ kind: 'ok', lines: [expect.stringMatching(/zone unknown: shown as local$/)] });
  });

  it('other keys and values are one clear error that changes nothing', async () => {
    setDisplayZone('utc', null);
    expect(await setCommand.run(liveCtx, ['color', 'on'])).toEqual({ kind: 'error', message: "unknown setting 'color': only tz can be set (usage: set tz utc|local|host)" });
    expect(await setCommand.run(liveCtx, ['tz', 'gmt'])).toEqual({ kind: 'error', message: "'gmt' is not a zone choice (usage: set tz utc|local|host)" });
    expect(await setCommand.run(liveCtx, [])).toEqual({ kind: 'error', message: 'usage: set tz utc|local|host' });
    expect(displayZoneChoice()).toBe('utc');
    expect(setCommand.complete!(liveCtx, ['tz'], 'u')).toEqual(['utc']);
  });

  it(':goto 18:04:56 means that time in the zone shown', () => {
    setDisplayZone('host', 'Asia/Kolkata');
    const c = { now: 0, startNs: SUMMER_NS - 60e9, endNs: SUMMER_NS + 60e9, offsetNs: 0, notes: [] };
    expect(resolveGoto(['18:04:56.789'], c)).toBe(SUMMER_NS);
    setDisplayZone('utc', 'Asia/Kolkata');
    expect(resolveGoto(['12:34:56.789'], c)).toBe(SUMMER_NS);
    expect(() => resolveGoto(['18:04:56'], c)).toThrow(/outside the capture \(12:33:56\.789 -> 12:35:56\.789\)/);
  });
});
