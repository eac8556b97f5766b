import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CaptureReader, Recorder, type StopResult } from '../../src/store/index.js';
import { describeKernel } from '../helpers/kernel.js';
import { openEvent, tempDir } from './helpers.js';

describeKernel('disk full on a small tmpfs', () => {
  const t = tempDir('ebpfsh-full-');
  const mnt = join(t.dir, 'mnt');
  beforeAll(() => {
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'ebpfsh-test', mnt]);
  });
  afterAll(() => {
    try {
      execFileSync('umount', [mnt]);
      rmdirSync(mnt);
    } finally {
      t.cleanup();
    }
  });

  it('releases the reserve, writes the loss row, stops with a clear message, and the capture stays readable', async () => {
    const path = join(mnt, 'full.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 512 << 10, batchMs: 10 });
    await rec.whenReady();
    const stopped = new Promise<StopResult>((resolve) => rec.onStop(resolve));
    let i = 0;
    const long = '/var/lib/some/long/path/to/make/rows/bigger/'.repeat(4);
    while (!rec.stopped && i < 2_000_000) {
      rec.record(Array.from({ length: 2000 }, () => openEvent(i++, long + i)));
      await new Promise((r) => setTimeout(r, 1));
    }
    const res = await stopped;
    expect(res.error?.code).toBe('FULL');
    expect(res.error?.message).toMatch(/^disk full: recording to .* stopped .* free space and record again$/);
    expect(res.reason).toBe('disk full');
    expect(res.rows).toBeGreaterThan(1000);
    expect(res.dropped).toBeGreaterThan(0);
    expect(readdirSync(mnt).filter((f) => f.endsWith('.reserve'))).toEqual([]);

    const db = new Database(path, { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
    const r = CaptureReader.open(path);
    const info = r.info();
    expect(info.counts.open).toBe(res.rows);
    expect(info.stopReason).toBe('disk full');
    expect(info.cleanStop).toBe(false);
    const lost = info.losses.find((l) => l.cause === 'disk_full');
    expect(lost?.probe).toBe('opensnoop');
    expect(lost!.count!).toBeGreaterThan(0);
    r.close();
  }, 120_000);
});
