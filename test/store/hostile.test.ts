import Database from 'better-sqlite3';
import { copyFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, CaptureReader, Recorder } from '../../src/store/index.js';
import { openEvent, sha256, tempDir } from './helpers.js';

/** Opens `path`; returns the one line a user would see. */
function openError(path: string): string {
  try {
    CaptureReader.open(path).close();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).not.toMatch(/at .*\.ts:\d+/);
    return msg;
  }
  return 'opened';
}

describe('corrupt, truncated, non-SQLite and hostile files get one clear line', () => {
  const t = tempDir();
  const good = join(t.dir, 'good.db');
  beforeAll(async () => {
    const rec = Recorder.create(good, undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    rec.record(Array.from({ length: 20000 }, (_, i) => openEvent(i)));
    await rec.stop();
  });
  afterAll(() => t.cleanup());

  /** A copy of the good capture changed by `fn` through a writable connection. */
  function variant(name: string, fn: (db: Database.Database) => void): string {
    const p = join(t.dir, name);
    copyFileSync(good, p);
    const db = new Database(p);
    fn(db);
    db.close();
    return p;
  }

  it('reads the good one', () => {
    expect(openError(good)).toBe('opened');
  });

  it('empty, text, truncated and overwritten files', () => {
    const empty = join(t.dir, 'empty.db');
    writeFileSync(empty, '');
    expect(openError(empty)).toMatch(/empty: not an ebpfsh capture/);
    const text = join(t.dir, 'notes.txt');
    writeFileSync(text, 'just some notes\n'.repeat(100));
    expect(openError(text)).toMatch(/not an ebpfsh capture \(not a SQLite database\)/);
    const trunc = join(t.dir, 'trunc.db');
    copyFileSync(good, trunc);
    truncateSync(trunc, Math.floor(readFileSync(good).length / 2));
    expect(openError(trunc)).toMatch(/truncated/);
    const tiny = join(t.dir, 'tiny.db');
    writeFileSync(tiny, readFileSync(good).subarray(0, 60));
    expect(openError(tiny)).toMatch(/not an ebpfsh capture/);
    // Garbage over the schema page and some data pages: damaged, not a crash.
    const bad = join(t.dir, 'bad.db');
    const buf = readFileSync(good);
    for (let i = 100; i < buf.length; i += 7) buf[i] = (buf[i]! * 31 + 17) & 0xff;
    writeFileSync(bad, buf);
    expect(openError(bad)).toMatch(/damaged|not an ebpfsh capture|unexpected schema/);
  });

  it('another application\'s SQLite file, and a newer capture', () => {
    const other = join(t.dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(openError(other)).toMatch(/SQLite file but not an ebpfsh capture/);
    expect(openError(variant('newer.db', (d) => d.pragma('user_version = 99')))).toMatch(/newer ebpfsh .* upgrade ebpfsh/);
  });

  it('refuses a table replaced by a view, triggers, extra objects and changed columns', () => {
    const cases: [string, string][] = [
      ['view.db', "DROP TABLE notes; CREATE VIEW notes AS SELECT 1 AS id, 2 AS ts, 'x' AS text"],
      ['trigger.db', "CREATE TRIGGER t AFTER INSERT ON notes BEGIN DELETE FROM open; END"],
      ['extra.db', 'CREATE TABLE loot (x)'],
      ['events.db', "DROP VIEW events; CREATE VIEW events AS SELECT * FROM open"],
      ['column.db', 'ALTER TABLE open ADD COLUMN extra TEXT'],
      ['generated.db', "ALTER TABLE notes ADD COLUMN g TEXT GENERATED ALWAYS AS (upper(text)) VIRTUAL"],
      ['index.db', 'CREATE INDEX sneaky ON open (abs(pid))'],
    ];
    for (const [name, sql] of cases) {
      const p = variant(name, (d) => d.exec(sql));
      const before = sha256(p);
      expect(openError(p), name).toMatch(/unexpected schema .*refusing to read it/);
      expect(sha256(p), name).toBe(before);
    }
  });

  it('leaves nothing beside any of them', () => {
    expect(readdirSync(t.dir).filter((f) => /-(wal|shm|journal)$/.test(f))).toEqual([]);
  });
});
