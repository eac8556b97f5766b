import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/recording.js';
import { ebpfsh, hostileCopy, normalCapture } from './hostile-capture.js';

/** A capture left in WAL form (as a killed recorder leaves it): readers work on a private copy. */
function walCapture(base: string, name: string): string {
  return hostileCopy(base, name, (db) => void db.pragma('journal_mode = WAL'));
}

describe('special files planted beside or instead of a capture', () => {
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-special-'));
    base = await normalCapture(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a FIFO planted as the -wal of a capture does not hang info: it is refused in one line', () => {
    const p = walCapture(base, 'fifo-wal.db');
    expect(spawnSync('mkfifo', [`${p}-wal`]).status).toBe(0);
    const r = ebpfsh(['info', p], { timeoutMs: 15_000 });
    expect(r.signal).toBeNull(); // not killed by the time limit: it did not block on the FIFO
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/fifo-wal\.db-wal is not a file/);
  });

  it('a FIFO given as the capture is refused at once', () => {
    const p = join(dir, 'fifo.db');
    expect(spawnSync('mkfifo', [p]).status).toBe(0);
    const r = ebpfsh(['info', p], { timeoutMs: 15_000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toMatch(/fifo\.db is not a file/);
  });

  it('a symlink planted as the -wal is not followed into another file', () => {
    const p = walCapture(base, 'link-wal.db');
    writeFileSync(join(dir, 'elsewhere'), 'not a wal');
    expect(spawnSync('ln', ['-s', join(dir, 'elsewhere'), `${p}-wal`]).status).toBe(0);
    const r = ebpfsh(['info', p], { timeoutMs: 15_000 });
    expect(r.stderr).toMatch(/link-wal\.db-wal is a symbolic link/);
  });

  it.runIf(process.geteuid?.() === 0)('as root, the working copy of a capture ignores a TMPDIR from the environment (sudo may pass a user\'s through)', () => {
    const p = walCapture(base, 'tmpdir.db');
    const userTmp = join(dir, 'user-tmp');
    mkdirSync(userTmp, { mode: 0o777 });
    const missing = join(dir, 'no-such-tmp');
    for (const t of [userTmp, missing]) {
      const r = spawnSync(BIN, ['info', p], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, TMPDIR: t } });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('tmpdir.db');
    }
    expect(readdirSync(userTmp)).toEqual([]);
  });
});
