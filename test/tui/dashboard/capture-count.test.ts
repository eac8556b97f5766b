import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../../src/store/index.js';
import { modelOfCapture } from '../../../src/tui/dashboard/capture-feed.js';
import { recordTestCapture, type TestCapture } from '../replay-capture.js';

let cap: TestCapture;
beforeAll(async () => {
  cap = await recordTestCapture();
}, 30_000);
afterAll(() => rmSync(dirname(cap.path), { recursive: true, force: true }));

describe('dash over a capture', () => {
  it('reports every event it read, the last partial batch included', async () => {
    const r = CaptureReader.open(cap.path);
    try {
      const reports: [number, boolean | undefined][] = [];
      const model = await modelOfCapture(r, (n, done) => reports.push([n, done]));
      const events = Object.values(r.info().counts).reduce((a, b) => a + b, 0);
      expect(events).toBe(100);
      expect(reports.at(-1)).toEqual([100, true]);
      const totals = model.snapshot().totals;
      expect(Object.values(totals).reduce((a, t) => a + t.events, 0)).toBe(100);
    } finally {
      r.close();
    }
  });
});
