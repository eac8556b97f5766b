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

describe('dash over a capture with its own process table', () => {
  it('ranks only what the responder watched: the process-table probe is read and counted, not ranked or charted', async () => {
    const { Recorder, BACKGROUND_ATTACH_DETAIL } = await import('../../../src/store/index.js');
    const { findProbe } = await import('../../../src/probes/index.js');
    const { openEvent, tempDir } = await import('../../store/helpers.js');
    const { lifeEvent } = await import('../../store/chain-helpers.js');
    const { waitFor } = await import('../../helpers/kernel.js');
    const t = tempDir('ebpfsh-dash-bg-');
    try {
      const path = `${t.dir}/bg.db`;
      const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record'], reserveBytes: 0, batchMs: 5 });
      await rec.whenReady();
      const attach = (name: string) => ({ probe: findProbe(name)!, filters: { clauses: [] }, attachPoints: [`tp_btf/${name}`], missing: [], attachedAt: Date.now(), attachMs: 1 });
      rec.journalAttach(attach('procsnoop'), BACKGROUND_ATTACH_DETAIL);
      rec.journalAttach(attach('opensnoop'));
      rec.record([
        ...Array.from({ length: 5 }, (_, i) => openEvent(i, '/etc/hostname', { comm: 'mine', pid: 42 })),
        ...Array.from({ length: 7 }, (_, i) => ({ ...lifeEvent(10 + i, 9000 + i, 'fork'), uid: 0 })),
      ]);
      await waitFor(() => rec.stats().batches > 0, 5000, 'a committed batch');
      await rec.stop('test');
      const r = CaptureReader.open(path);
      try {
        const reports: [number, boolean | undefined][] = [];
        const s = (await modelOfCapture(r, (n, done) => reports.push([n, done]))).snapshot();
        expect(reports.at(-1)).toEqual([12, true]);
        expect(s.topUsers.map(([u]) => u)).toEqual([expect.stringMatching(/^(\S+\()?1000\)?$/)]);
        expect(s.topProcesses).toEqual([['mine(42) ← ppid 1', 5]]);
        expect(Object.keys(s.totals)).toEqual(['opensnoop']);
        expect(Object.keys(s.coverage)).toEqual(['opensnoop']);
      } finally {
        r.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
