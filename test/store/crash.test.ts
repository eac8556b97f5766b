import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { CaptureReader, recoverCapture } from '../../src/store/index.js';
import { describeKernel } from '../helpers/kernel.js';
import { sha256, tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));
const ROUNDS = 4;

describeKernel('kill -9 of a recording ebpfsh at random points', () => {
  const t = tempDir('ebpfsh-crash-');
  afterAll(() => t.cleanup());

  for (let round = 0; round < ROUNDS; round++) {
    it(`round ${round + 1}: the capture opens, quick_check ok, marked unclean with the gap recorded`, async () => {
      const path = join(t.dir, `crash-${round}.db`);
      const child = spawn(BIN, ['record', '-w', path, 'opensnoop,execsnoop'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Wait until it records, then load the system and kill at a random point.
      const deadline = Date.now() + 15000;
      while (!stderr.includes('recording to') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(stderr).toContain('recording to');
      const load = spawn('sh', ['-c', 'while :; do cat /etc/hostname /etc/passwd > /dev/null; done']);
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1500));
      child.kill('SIGKILL');
      load.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      // The reader never touches the evidence: it reads a private copy of db + wal.
      const before = sha256(path);
      const walBefore = existsSync(`${path}-wal`) ? sha256(`${path}-wal`) : '';
      const r = CaptureReader.open(path);
      const info = r.info();
      expect(info.cleanStop).toBe(false);
      expect(info.snapshot).toBe(true);
      expect(info.gap).not.toBeNull();
      const seen = info.counts.open!;
      r.close();
      expect(sha256(path)).toBe(before);
      if (walBefore) expect(sha256(`${path}-wal`)).toBe(walBefore);

      // The next writing open marks it unclean and records the gap, durably.
      const rec = recoverCapture(path);
      expect(rec.wasUnclean).toBe(true);
      const db = new Database(path, { readonly: true });
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT clean_stop, stop_reason FROM capture').get()).toEqual({ clean_stop: 0, stop_reason: 'recorder died' });
      const gap = db.prepare("SELECT probe, start_ns, end_ns, count FROM losses WHERE cause = 'recorder_died'").all() as { probe: null; start_ns: number; end_ns: number }[];
      expect(gap).toHaveLength(1);
      expect(gap[0]!.end_ns).toBeGreaterThan(gap[0]!.start_ns);
      expect(db.prepare("SELECT count(*) FROM journal WHERE action = 'recovered'").pluck().get()).toBe(1);
      // At most the last uncommitted batch is lost: everything the reader saw is still there.
      expect(db.prepare('SELECT count(*) FROM open').pluck().get()).toBe(seen);
      db.close();
      expect(readdirSync(t.dir).filter((f) => f.startsWith(`crash-${round}.db`)).sort()).toEqual([`crash-${round}.db`]);
      console.log(`round ${round + 1}: ${seen} open rows kept; gap from the last commit ${((gap[0]!.end_ns - gap[0]!.start_ns) / 1e6).toFixed(0)} ms before recovery`);
      // Recovery is idempotent and the result reads in place.
      expect(recoverCapture(path).wasUnclean).toBe(false);
      const r2 = CaptureReader.open(path);
      expect(r2.snapshot).toBe(false);
      expect(r2.info().gap).toMatchObject({ startNs: gap[0]!.start_ns });
      // Recovery built the summaries the stop would have: the views and info's users line read them.
      expect(r2.summarized.has('files_per_process')).toBe(true);
      expect(r2.usersSummarized).toBe(true);
      expect(r2.info().counts.open).toBe(seen);
      r2.close();
    }, 60_000);
  }
});
