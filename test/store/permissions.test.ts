import { fstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/store/index.js';
import { openEvent, tempDir } from './helpers.js';

describe('capture files are 0600 under any umask', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  for (const umask of [0o000, 0o022, 0o277]) {
    it(`umask ${umask.toString(8).padStart(3, '0')}: the capture, its -journal/-wal/-shm and the unnamed reserve`, async () => {
      const old = process.umask(umask);
      try {
        const p = join(t.dir, `u${umask.toString(8)}.db`);
        const rec = Recorder.create(p, undefined, { toolVersion: 't', batchMs: 5 });
        await rec.whenReady();
        rec.record(Array.from({ length: 1000 }, (_, i) => openEvent(i)));
        await new Promise((r) => setTimeout(r, 100));
        const files = readdirSync(t.dir).filter((f) => f.startsWith(`u${umask.toString(8)}.db`));
        const u = `u${umask.toString(8)}.db`;
        expect(files.sort()).toEqual([u, `${u}-journal`, `${u}-shm`, `${u}-wal`]);
        for (const f of files) expect(statSync(join(t.dir, f)).mode & 0o777, f).toBe(0o600);
        // The reserve has no name: an fd of an unlinked file in the capture's directory.
        const reserves = readdirSync('/proc/self/fd').filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).startsWith(join(t.dir, `${u}.reserve-`));
          } catch {
            return false;
          }
        });
        expect(reserves).toHaveLength(1);
        const st = fstatSync(Number(reserves[0]));
        expect([st.mode & 0o777, st.size, st.nlink]).toEqual([0o600, 8 << 20, 0]);
        const res = await rec.stop();
        expect(res.rows).toBe(1000);
        expect(statSync(p).mode & 0o777).toBe(0o600);
        expect(readdirSync(t.dir).filter((f) => f.startsWith(`u${umask.toString(8)}.db`))).toEqual([`u${umask.toString(8)}.db`]);
      } finally {
        process.umask(old);
      }
    });
  }
});
