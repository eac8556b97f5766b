import { afterEach, expect, it, vi } from 'vitest';
import { resolveZone, zoneOffsetMinutes } from '../../src/text/index.js';

afterEach(() => vi.restoreAllMocks());

it("the local zone asks Intl for its name only when a label shows it (ICU's start-up is not paid by commands that show none)", () => {
  const here = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const spy = vi.spyOn(Intl, 'DateTimeFormat');
  const local = resolveZone('local', null);
  expect(local.tz).toBeUndefined();
  zoneOffsetMinutes(local, Date.now());
  expect(spy).not.toHaveBeenCalled();
  spy.mockRestore();
  expect(local.name).toBe(here);
  expect(resolveZone('host', null)).toMatchObject({ tz: undefined, note: 'zone unknown: shown as local' });
});
