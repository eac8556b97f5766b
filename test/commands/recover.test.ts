import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { BIN } from '../helpers/recording.js';
import { openEvent } from '../store/helpers.js';

function recover(path: string) {
  const r = spawnSync(BIN, ['recover', path], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ebpfsh recover', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-recover-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function capture(name: string): Promise<string> {
    const path = join(dir, name);
    const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    rec.record([openEvent(1), openEvent(2)] as never);
    await rec.stop();
    return path;
  }

  it('finalizes a capture whose recorder never stopped: unclean, the gap as a loss row, self-contained', async () => {
    const path = await capture('died.db');
    const db = new Database(path);
    db.prepare('UPDATE capture SET end_ns = NULL, clean_stop = 0').run(); // as a recorder that died leaves it
    db.close();
    const r = recover(path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/died\.db: finalized after an unclean stop/);
    const info = CaptureReader.open(path);
    try {
      const i = info.info();
      expect(i.cleanStop).toBe(false);
      expect(i.endNs).not.toBeNull();
      expect(i.losses.some((l) => l.cause === 'recorder_died')).toBe(true);
    } finally {
      info.close();
    }
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(recover(path).stdout).toMatch(/died\.db: was already stopped cleanly|died\.db: finalized/); // idempotent
  });

  it('keeps a schema 5 capture (it has an integrity chain) at its schema and says so', () => {
    const path = join(dir, 'v5.db');
    copyFileSync(fileURLToPath(new URL('../fixtures/store/v5-capture.db', import.meta.url)), path);
    const r = recover(path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/v5\.db: was already stopped cleanly; kept at schema 5 \(its integrity chain covers the version; readers read it as it is\); it is self-contained now\n$/);
  });

  it('says a clean capture needs nothing', async () => {
    const r = recover(await capture('clean.db'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clean\.db: was already stopped cleanly/);
  });

  it('refuses a missing or non-capture file in one line and creates nothing', () => {
    const missing = join(dir, 'missing.db');
    const r = recover(missing);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^ebpfsh: .*missing\.db: no such capture\n$/);
    expect(existsSync(missing)).toBe(false);
  });
});
