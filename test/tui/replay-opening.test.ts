import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReplay } from '../../src/tui/replay/replay-app.js';
import { recordTestCapture, type TestCapture } from './replay-capture.js';

let cap: TestCapture;
beforeAll(async () => {
  cap = await recordTestCapture();
}, 30_000);
afterAll(() => rmSync(dirname(cap.path), { recursive: true, force: true }));

/** The first transcript line of a replay opened with a first screen of `n` events. */
function opening(n: number): string {
  const r = openReplay(cap.path, { firstScreen: n });
  try {
    return r.model.transcript.map((l) => l.text).join('\n');
  } finally {
    r.close();
  }
}

describe('replay says where it opened (the first screen moves the clock)', () => {
  it('a first screen that ends mid-capture says it is in the middle, not at the start', () => {
    const said = opening(60);
    expect(said).not.toMatch(/at the start/);
    expect(said).toMatch(/paused in the middle, at [\d:.]+ \(\d+%\): the first 60 events shown \(:goto start to begin again\)/);
  });

  it('a first screen that holds every event says it is at the end', () => {
    expect(opening(1000)).toMatch(/paused at the end: all 100 events shown/);
  });

  it('an empty first screen is at the start', () => {
    expect(opening(0)).toMatch(/^paused at the start: Space plays/);
  });
});
