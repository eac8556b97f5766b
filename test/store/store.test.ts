import Database from 'better-sqlite3';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilters } from '../../src/event/index.js';
import { findProbe, PROBES } from '../../src/probes/index.js';
import { CaptureError, CaptureReader, Recorder, SCHEMA_VERSION } from '../../src/store/index.js';
import { execEvent, openEvent, sha256, tempDir } from './helpers.js';

const INVALID = Uint8Array.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff, 0xfe, 0x1b, 0x5b]); // "/tmp/" + invalid UTF-8 + ESC [

describe('capture round trip (no kernel)', () => {
  const t = tempDir();
  const path = join(t.dir, 'c.db');
  let hash = '';
  beforeAll(async () => {
    const rec = Recorder.create(path, undefined, { toolVersion: '9.9.9', commandLine: ['ebpfsh', 'record', '-w', path, 'open'], reserveBytes: 1 << 16 });
    await rec.whenReady();
    const events = [];
    for (let i = 0; i < 5000; i++) events.push(openEvent(i));
    events.push(openEvent(5000, INVALID, { comm: Uint8Array.from([0x62, 0xc3, 0x28]) }));
    rec.record(events);
    rec.record([execEvent(5001, ['sh', '-c', Uint8Array.from([0x80, 0x41]), ''])]);
    rec.note('suspicious: \u202eevil');
    const result = await rec.stop('test');
    expect(result.rows).toBe(5002);
    expect(result.journalMode).toBe('delete');
    hash = sha256(path);
  });
  afterAll(() => t.cleanup());

  it('is one self-contained 0600 file with the metadata', () => {
    expect(readdirSync(t.dir).sort()).toEqual(['c.db']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const r = CaptureReader.open(path);
    const info = r.info();
    expect(info).toMatchObject({ toolVersion: '9.9.9', cleanStop: true, stopReason: 'test', gap: null, snapshot: false, schemaVersion: SCHEMA_VERSION });
    expect(info.counts.open).toBe(5001);
    expect(info.counts.exec).toBe(1);
    expect(info.commandLine).toEqual(['ebpfsh', 'record', '-w', path, 'open']);
    expect(info.bootId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.notes()[0]!.text).toBe('suspicious: \u202eevil');
    r.close();
  });

  it('keeps exact bytes of strings that are not UTF-8, text otherwise', async () => {
    const r = CaptureReader.open(path);
    const evs = [...r.events({ probes: ['opensnoop'], filters: parseFilters(['path=/tmp/'], [findProbe('open')!]) })];
    const odd = evs.find((e) => e.fields.path instanceof Uint8Array)!;
    expect(Buffer.from(odd.fields.path as Uint8Array)).toEqual(Buffer.from(INVALID));
    expect(Buffer.from(odd.comm as Uint8Array)).toEqual(Buffer.from([0x62, 0xc3, 0x28]));
    const q = await r.query("SELECT typeof(path), typeof(path_raw), hex(path_raw) FROM open WHERE path_raw IS NOT NULL");
    expect(q.rows).toEqual([['text', 'blob', Buffer.from(INVALID).toString('hex').toUpperCase()]]);
    const ex = [...r.events({ probes: ['execsnoop'] })][0]!;
    expect(ex.fields.argv).toEqual(['sh', '-c', Uint8Array.from([0x80, 0x41]), '']);
    const plain = await r.query('SELECT argv FROM exec');
    expect(JSON.parse(plain.rows[0]![0] as string)).toEqual(['sh', '-c', '\ufffdA', '']);
    r.close();
  });

  it('streams events in time order with filters', () => {
    const r = CaptureReader.open(path);
    let last = -Infinity;
    let n = 0;
    for (const e of r.events({ filters: parseFilters(['pid=1007'], PROBES) })) {
      expect(e.ts).toBeGreaterThanOrEqual(last);
      expect(e.pid).toBe(1007);
      last = e.ts;
      n++;
    }
    expect(n).toBe(100);
    r.close();
  });

  it('answers one read-only statement, refuses the rest, and stops slow queries', async () => {
    const r = CaptureReader.open(path);
    expect((await r.query('SELECT count(*) FROM events')).rows).toEqual([[5002]]);
    expect((await r.query('SELECT pid FROM open LIMIT 3', { maxRows: 2 })).truncated).toBe(true);
    for (const sql of ["ATTACH DATABASE '/tmp/x.db' AS x", 'DELETE FROM open', 'SELECT 1; SELECT 2', "PRAGMA writable_schema = 1", "VACUUM INTO '/tmp/y.db'", 'DROP TABLE open', "SELECT load_extension('/tmp/x.so')"]) {
      await expect(r.query(sql), sql).rejects.toBeInstanceOf(CaptureError);
    }
    expect(existsSync('/tmp/y.db')).toBe(false);
    const slow = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
    const t0 = Date.now();
    await expect(r.query(slow, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await r.query('SELECT 1')).rows).toEqual([[1]]); // a fresh query process after the kill
    r.close();
  });

  it('never modifies the file it reads (same sha256, no -wal/-shm)', async () => {
    const r = CaptureReader.open(path);
    r.info();
    await r.query('SELECT * FROM events LIMIT 10');
    [...r.events()];
    r.close();
    expect(sha256(path)).toBe(hash);
    expect(readdirSync(t.dir).sort()).toEqual(['c.db']);
  });

  it('answers SQL in any SQLite tool: the events view and typed columns', () => {
    const db = new Database(path, { readonly: true });
    const row = db.prepare("SELECT uid, typeof(uid) AS t, wall_ns - ts AS off FROM events WHERE probe = 'opensnoop' LIMIT 1").get() as { uid: number; t: string; off: number };
    expect(row).toMatchObject({ uid: 1000, t: 'integer' });
    expect(row.off).toBe((db.prepare('SELECT clock_offset_ns FROM capture').pluck().get() as number));
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'idx_open_%'").pluck().get()).toBe(2);
    db.close();
  });
});

describe('writer errors before any probe is attached', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  it('names the fix for a missing directory, an existing file and a directory path', () => {
    const opts = { toolVersion: 't' };
    expect(() => Recorder.create(join(t.dir, 'nope', 'c.db'), undefined, opts)).toThrow(/directory .*nope does not exist \(create it first\)/);
    writeFileSync(join(t.dir, 'old.db'), 'x');
    expect(() => Recorder.create(join(t.dir, 'old.db'), undefined, opts)).toThrow(/already exists: captures are never overwritten/);
    expect(() => Recorder.create(t.dir, undefined, opts)).toThrow(CaptureError);
  });
});

describe('bounded writer queue', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  it('drops what does not fit and records it as a writer loss', async () => {
    const path = join(t.dir, 'q.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', maxQueueRows: 1000, batchRows: 100_000, reserveBytes: 0 });
    await rec.whenReady();
    const batch = Array.from({ length: 600 }, (_, i) => openEvent(i));
    rec.record(batch);
    rec.record(batch); // 1200 > 1000: dropped whole
    expect(rec.stats().dropped).toBe(600);
    const res = await rec.stop();
    expect(res).toMatchObject({ rows: 600, dropped: 600 });
    const r = CaptureReader.open(path);
    expect(r.info().losses).toEqual([{ probe: 'opensnoop', cause: 'writer', count: 600 }]);
    r.close();
  });
});
