import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../../src/store/index.js';
import { ReplayDashboardFeed } from '../../../src/tui/dashboard/replay-feed.js';
import { ReplaySource } from '../../../src/tui/replay/replay-source.js';
import { recordTestCapture, type TestCapture } from '../replay-capture.js';

let cap: TestCapture;
beforeAll(async () => {
  cap = await recordTestCapture();
}, 30_000);

describe('the replay dashboard feed', () => {
  let reader: CaptureReader;
  afterAll(() => reader?.close());

  it('shows what the replay clock has passed, and starts over on a seek', async () => {
    reader = CaptureReader.open(cap.path);
    const source = new ReplaySource(reader, { nowMs: () => 0 });
    const feed = new ReplayDashboardFeed(source, reader, (p) => source.background.has(p));
    source.step(30); // events 0..29: 3 execs, 27 opens
    feed.tick();
    let s = feed.model().snapshot();
    expect(s.totals).toEqual({ execsnoop: { events: 3, lost: 0 }, opensnoop: { events: 27, lost: 0 } });
    expect(s.nowNs).toBe(source.now());
    feed.model().toggleGrouping(); // per pid
    s = feed.model().snapshot();
    expect(s.topProcesses).toHaveLength(10);
    expect(s.topProcesses).toContainEqual(['worker(5001)', 1]);
    expect(Object.keys(s.coverage).sort()).toEqual(['execsnoop', 'opensnoop']);

    await source.seek(cap.ts[90]!);
    feed.tick();
    s = feed.model().snapshot();
    // Exactly what the view was handed since the seek (its back-fill included): nothing counted twice.
    expect((s.totals.execsnoop?.events ?? 0) + (s.totals.opensnoop?.events ?? 0)).toBe(source.shown);
    expect(source.shown).toBeGreaterThan(0);
    expect(s.nowNs).toBe(source.now());
    expect(s.grouping).toBe('pid'); // the responder's choice survives the seek
    feed.dispose();
    source.close();
  });
});
