import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/store/index.js';
import { waitFor } from '../helpers/kernel.js';
import { recordChained } from './chain-helpers.js';
import { openEvent, tempDir } from './helpers.js';

/**
 * POSIX locks this process holds on `file` (/proc/locks: "id: POSIX ADVISORY
 * READ|WRITE pid maj:min:inode start end").
 */
function locksOn(file: string): number {
  const ino = statSync(file).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'POSIX' && Number(f[4]) === process.pid && f[5]?.endsWith(`:${ino}`)).length;
}

/** Reads the capture in place from another process, read-only, as `sqlite3 capture.db` would: `times` connections, one after another. */
function readInPlaceElsewhere(path: string, times: number): { status: number | null; out: string } {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `const D = require(${JSON.stringify(sqlite)});
    let n = 0;
    for (let i = 0; i < ${times}; i++) { const c = new D(${JSON.stringify(path)}, { readonly: true, fileMustExist: true }); n = c.prepare('SELECT count(*) FROM open').pluck().get(); c.close(); }
    console.log(n);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('readers beside a recording', () => {
  const t = tempDir('ebpfsh-readers-beside-');
  afterAll(() => t.cleanup());

  it("the recorder keeps SQLite's locks on the capture and its -shm while it records, and the shell's live :query leaves them", async () => {
    const { path, rec } = await recordChained(t.dir, 'locks.db', { batches: 2, stop: false });
    try {
      // Without its lock on the -shm, the next reader elsewhere takes itself for the only user and truncates it under the writer.
      expect(locksOn(`${path}-shm`)).toBeGreaterThan(0);
      expect(locksOn(path)).toBeGreaterThan(0);
      const r = CaptureReader.open(path, { live: true });
      try {
        expect(r.info().counts.open).toBeGreaterThan(0);
        expect((await r.query('SELECT count(*) FROM open')).rows[0]![0]).toBeGreaterThan(0);
      } finally {
        r.close();
      }
      expect(locksOn(`${path}-shm`)).toBeGreaterThan(0);
      expect(locksOn(path)).toBeGreaterThan(0);
    } finally {
      await rec.stop('test');
    }
    const r = CaptureReader.open(path);
    try {
      expect(r.info().cleanStop).toBe(true);
    } finally {
      r.close();
    }
  });

  it('another process reading the live capture in place gets no locking error, and the recorder goes on and finalizes', async () => {
    const { path, rec } = await recordChained(t.dir, 'elsewhere.db', { batches: 2, stop: false });
    let before: number;
    try {
      const first = readInPlaceElsewhere(path, 20);
      expect(first.status, first.out).toBe(0);
      before = Number(first.out.trim());
      expect(before).toBeGreaterThan(0);
      // The writer commits again after the reader was there (before the fix: SIGBUS, the -shm truncated under its mapping).
      const batches = rec.stats().batches;
      rec.record(Array.from({ length: 300 }, (_, i) => openEvent(100_000 + i)));
      await waitFor(() => rec.stats().batches > batches, 5000, 'a batch committed after the reader');
      const again = readInPlaceElsewhere(path, 5);
      expect(again.status, again.out).toBe(0);
      expect(Number(again.out.trim())).toBe(before + 300);
    } finally {
      await rec.stop('test');
    }
    const r = CaptureReader.open(path);
    try {
      expect(r.info().cleanStop).toBe(true);
      expect(r.info().counts.open).toBe(before + 300);
    } finally {
      r.close();
    }
  });
});
