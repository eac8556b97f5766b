import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, recoverCapture, SCHEMA_VERSION } from '../../src/store/index.js';
import { sha256, tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/store/v1-capture.db', import.meta.url));

describe('migration from the first schema (fixture made by test/fixtures/store/make-v1-capture.mjs)', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('the reader reads a v1 capture through a migrated private copy, leaving it unchanged', async () => {
    const p = join(t.dir, 'v1.db');
    copyFileSync(FIXTURE, p);
    const before = sha256(p);
    const r = CaptureReader.open(p);
    const info = r.info();
    expect(info).toMatchObject({ schemaVersion: SCHEMA_VERSION, snapshot: true, hostname: 'fixture-host', cleanStop: true, counts: { open: 2, exec: 0, connect: 0, proc: 0 } });
    expect(info.losses).toEqual([{ probe: 'opensnoop', cause: 'ringbuf_full', count: 7 }]);
    const evs = [...r.events()];
    expect(evs.map((e) => e.fields.path)).toEqual(['/etc/hostname', Uint8Array.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff])]);
    expect((await r.query('SELECT start_ns, end_ns FROM losses')).rows).toEqual([[9_000_000_000, 9_000_000_000]]);
    const proc = r.process(4300)!;
    expect(proc).toMatchObject({ exe: '/usr/bin/cat', argv: ['cat', '/etc/hostname'], exitCode: null });
    r.close();
    expect(sha256(p)).toBe(before);
    expect(readdirSync(t.dir)).toEqual(['v1.db']);
  });

  it('recoverCapture migrates in place to the current schema', () => {
    const p = join(t.dir, 'v1-inplace.db');
    copyFileSync(FIXTURE, p);
    expect(recoverCapture(p)).toMatchObject({ fromVersion: 1, wasUnclean: false });
    const db = new Database(p, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
    const r = CaptureReader.open(p);
    expect(r.snapshot).toBe(false);
    expect(r.info().counts.proc).toBe(0);
    r.close();
  });
});
