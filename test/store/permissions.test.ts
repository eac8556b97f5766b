import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/store/index.js';
import { openEvent, tempDir } from './helpers.js';

describe('capture files are 0600 under any umask', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  for (const umask of [0o000, 0o022, 0o277]) {
    it(`umask ${umask.toString(8).padStart(3, '0')}: the capture, its -wal/-shm and the reserve`, async () => {
      const old = process.umask(umask);
      try {
        const p = join(t.dir, `u${umask.toString(8)}.db`);
        const rec = Recorder.create(p, undefined, { toolVersion: 't', batchMs: 5 });
        await rec.whenReady();
        rec.record(Array.from({ length: 1000 }, (_, i) => openEvent(i)));
        await new Promise((r) => setTimeout(r, 100));
        const files = readdirSync(t.dir).filter((f) => f.startsWith(`u${umask.toString(8)}.db`));
        expect(files.sort()).toEqual([`u${umask.toString(8)}.db`, `u${umask.toString(8)}.db-shm`, `u${umask.toString(8)}.db-wal`, `u${umask.toString(8)}.db.reserve`]);
        for (const f of files) expect(statSync(join(t.dir, f)).mode & 0o777, f).toBe(0o600);
        const res = await rec.stop();
        expect(res.rows).toBe(1000);
        expect(statSync(p).mode & 0o777).toBe(0o600);
      } finally {
        process.umask(old);
      }
    });
  }
});
