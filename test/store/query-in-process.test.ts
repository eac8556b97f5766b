import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, CaptureReader, Recorder } from '../../src/store/index.js';
import { BIN } from '../helpers/recording.js';
import { openEvent, tempDir } from './helpers.js';

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';

describe('a query run in the reader\'s own process (ebpfsh query)', () => {
  const t = tempDir('ebpfsh-inproc-');
  let path = '';
  beforeAll(async () => {
    path = join(t.dir, 'cap.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh'], reserveBytes: 0 });
    await rec.whenReady();
    rec.record(Array.from({ length: 500 }, (_, i) => openEvent(i)));
    await rec.stop('test');
  }, 60_000);
  afterAll(() => t.cleanup());

  it('answers as the query process does, views included, and refuses the same statements', async () => {
    const r = CaptureReader.open(path);
    try {
      for (const sql of ['SELECT count(*) FROM events', 'SELECT * FROM files_per_process ORDER BY pid', "SELECT name FROM sqlite_temp_schema WHERE type = 'view' ORDER BY name"])
        expect(await r.query(sql, { inProcess: true }), sql).toEqual(await r.query(sql));
      expect((await r.query('SELECT pid FROM open', { inProcess: true, maxRows: 2 })).truncated).toBe(true);
      for (const sql of ["ATTACH DATABASE '/tmp/x.db' AS x", 'DELETE FROM open', 'SELECT 1; SELECT 2', 'PRAGMA writable_schema = 1', `VACUUM INTO '${join(t.dir, 'y.db')}'`, 'DROP TABLE open']) {
        await expect(r.query(sql, { inProcess: true }), sql).rejects.toBeInstanceOf(CaptureError);
      }
      expect(existsSync(join(t.dir, 'y.db'))).toBe(false);
      // Its watchdog is gone once it answered, even if this thread is busy right after (a kill would end this test's process).
      await r.query('SELECT 1', { inProcess: true, timeoutMs: 200 });
      const until = Date.now() + 800;
      while (Date.now() < until);
      expect((await r.query('SELECT 1', { inProcess: true })).rows).toEqual([[1]]);
    } finally {
      r.close();
    }
  });

  it('ebpfsh query past --timeout: the watchdog prints the one-line error and kills the process; a quick query exits at once', () => {
    const slow = spawnSync(BIN, ['query', path, RUNAWAY, '--timeout', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(slow.signal).toBe('SIGKILL');
    expect(slow.stderr).toContain('ebpfsh: query stopped after 1 s (narrow it with WHERE or LIMIT, or allow more time)');
    const quick = spawnSync(BIN, ['query', path, 'SELECT count(*) FROM open', '--format', 'csv', '--timeout', '30'], { encoding: 'utf8', timeout: 60_000 });
    expect(quick.status).toBe(0);
    expect(quick.stdout.trim().split(/\r?\n/)).toEqual(['count(*)', '500']);
  });
});
