import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import { PROBES } from '../../src/probes/index.js';
import { CaptureReader, Recorder, SCHEMA_VERSION, queryCaptures, recoverCapture } from '../../src/store/index.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { buildUidSummarySql, lineageChainSql, summaries } from '../../src/store/summaries.js';
import { lifeEvent } from './chain-helpers.js';
import { openEvent, sha256, tempDir } from './helpers.js';

/** A fork of `pid` by `parent` (start ticks derived from the pid, as lifeEvent does). */
function forkOf(i: number, pid: number, parent: number): TraceEvent {
  const e = lifeEvent(i, pid, 'fork');
  return { ...e, fields: { ...e.fields, parent_pid: parent, parent_start_ticks: 5000 + parent } };
}

/** A tcpconnect event of `pid`. */
function connectEvent(i: number, pid: number, ret: number, daddr: string): TraceEvent {
  return { ...openEvent(i), pid, tid: pid, probe: 'tcpconnect', comm: 'curl', fields: { ret, ipver: 4, saddr: '10.0.0.2', sport: 40000 + i, daddr, dport: 443, latency_us: 10 } };
}

/** Records a small capture with opens (some failed, an odd path), connects and a three-deep process tree, in several batches. */
async function record(path: string): Promise<void> {
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record', '-w', path], reserveBytes: 0, batchMs: 5 });
  await rec.whenReady();
  let i = 0;
  for (let b = 0; b < 3; b++) {
    const events: TraceEvent[] = [];
    for (let k = 0; k < 300; k++, i++) events.push(openEvent(i, `/tmp/f-${i % 17}`, { ...(i % 5 === 0 ? { comm: 'other' } : {}), fields: { ...openEvent(i).fields, ret: i % 3 === 0 ? -2 : 3 } }));
    events.push(openEvent(i++, Uint8Array.from([0x2f, 0xff, 0x41])));
    for (let k = 0; k < 20; k++, i++) events.push(connectEvent(i, 2000 + (k % 3), k % 4 === 0 ? -111 : 0, `10.0.0.${k % 5}`));
    events.push(forkOf(i++, 80000 + b * 10, 1), forkOf(i++, 80001 + b * 10, 80000 + b * 10), forkOf(i++, 80002 + b * 10, 80001 + b * 10));
    rec.record(events);
  }
  await rec.stop('test');
}

/** The rows of `sql` in one order, for comparing answers. */
async function rowsOf(r: CaptureReader, sql: string): Promise<unknown[][]> {
  return (await r.query(sql, { maxRows: 100_000 })).rows;
}

describe('summary tables of the ready-made views (schema 5)', () => {
  const t = tempDir('ebpfsh-summaries-');
  let path = '';
  beforeAll(async () => {
    path = join(t.dir, 'cap.db');
    await record(path);
  }, 60_000);
  afterAll(() => t.cleanup());

  it('are built when recording stops, one summaries row each over the whole source table, and used by the reader', () => {
    const db = new Database(path, { readonly: true });
    // uid_summary (schema 6) has a row per probe table: its own test below.
    const marks = db.prepare("SELECT name, source, source_rows FROM summaries WHERE name != 'uid_summary' ORDER BY id").all() as { name: string; source: string; source_rows: number }[];
    expect(marks.map((m) => m.name)).toEqual(summaries().map((s) => s.table));
    for (const m of marks) expect(m.source_rows).toBe(db.prepare(`SELECT coalesce(max(id), 0) FROM "${m.source}"`).pluck().get());
    expect(db.prepare('SELECT count(*) FROM files_per_process_summary').pluck().get()).toBeGreaterThan(1);
    expect(db.prepare('SELECT max(depth) FROM lineage_summary').pluck().get()).toBe(3); // up to pid 1
    db.close();
    const r = CaptureReader.open(path);
    expect([...r.summarized].sort()).toEqual(summaries().map((s) => s.view).sort());
    r.close();
  });

  it('answer exactly what the views compute from the raw rows', async () => {
    const r = CaptureReader.open(path);
    try {
      for (const p of PROBES)
        for (const v of (p.facets?.forensicViews ?? []).filter((x) => x.summary)) {
          const cols = summaries().find((s) => s.view === v.name)!.columns.join(', ');
          const order = `ORDER BY ${cols}`;
          const raw = await rowsOf(r, `SELECT ${cols} FROM (${v.select('', p.table)}) ${order}`);
          expect(await rowsOf(r, `SELECT ${cols} FROM ${v.name} ${order}`), v.name).toEqual(raw);
        }
      const lineageCols = 'pid, start_ticks, depth, ancestor_pid, ancestor_start_ticks';
      const rawLineage = await rowsOf(r, `SELECT ${lineageCols} FROM (${lineageChainSql(false)} SELECT * FROM chain) ORDER BY ${lineageCols}`);
      expect(rawLineage.length).toBeGreaterThan(9);
      expect(await rowsOf(r, `SELECT ${lineageCols} FROM lineage ORDER BY ${lineageCols}`)).toEqual(rawLineage);
      expect(await rowsOf(r, 'SELECT depth, ancestor_pid FROM lineage WHERE pid = 80012 ORDER BY depth')).toEqual([[0, 80012], [1, 80011], [2, 80010], [3, 1]]);
    } finally {
      r.close();
    }
  });

  it('are not trusted when their summaries row does not match the source (the view aggregates the raw rows: same answer)', async () => {
    const copy = join(t.dir, 'stale.db');
    copyFileSync(path, copy);
    const db = new Database(copy);
    db.exec("UPDATE summaries SET source_rows = source_rows - 1 WHERE name = 'files_per_process_summary'");
    db.exec("DELETE FROM summaries WHERE name = 'lineage_summary'");
    db.exec('DELETE FROM files_per_process_summary WHERE id = 1');
    db.close();
    const good = CaptureReader.open(path);
    const stale = CaptureReader.open(copy);
    try {
      expect(stale.summarized.has('files_per_process')).toBe(false);
      expect(stale.summarized.has('lineage')).toBe(false);
      expect(stale.summarized.has('connections_per_process')).toBe(true);
      for (const sql of ['SELECT * FROM files_per_process ORDER BY pid, comm', 'SELECT * FROM lineage ORDER BY pid, start_ticks, depth'])
        expect(await rowsOf(stale, sql), sql).toEqual(await rowsOf(good, sql));
    } finally {
      good.close();
      stale.close();
    }
  });

  it('a schema 4 capture opens migrated, without summaries, and its views give the same answers from the raw rows', async () => {
    const copy = join(t.dir, 'v4.db');
    copyFileSync(path, copy);
    const db = new Database(copy);
    for (const s of summaries()) db.exec(`DROP TABLE ${s.table}`);
    db.exec('DROP TABLE uid_summary');
    db.exec('DROP TABLE summaries');
    db.exec('UPDATE capture SET schema_version = 4');
    db.pragma('user_version = 4');
    db.close();
    const good = CaptureReader.open(path);
    const old = CaptureReader.open(copy);
    try {
      expect(old.snapshot).toBe(true);
      expect(old.summarized.size).toBe(0);
      for (const sql of ['SELECT * FROM files_per_process ORDER BY pid, comm', 'SELECT * FROM connections_per_process ORDER BY pid, comm', 'SELECT * FROM lineage ORDER BY pid, start_ticks, depth'])
        expect(await rowsOf(old, sql), sql).toEqual(await rowsOf(good, sql));
    } finally {
      good.close();
      old.close();
    }
  });

  it('are covered by the integrity chain: verify finds an edited summary row', async () => {
    expect((await verifyCapture(path)).verdict).toBe('intact');
    const copy = join(t.dir, 'edited.db');
    copyFileSync(path, copy);
    const db = new Database(copy);
    db.exec('UPDATE files_per_process_summary SET opens = opens + 1000 WHERE id = 1');
    db.close();
    const report = await verifyCapture(copy);
    expect(report.verdict).not.toBe('intact');
    expect(JSON.stringify(report.problems)).toContain('files_per_process_summary');
  });

  it('merged captures use them only when every capture has them, keeping host', async () => {
    const copy = join(t.dir, 'other.db');
    copyFileSync(path, copy);
    const db = new Database(copy);
    db.exec('DELETE FROM summaries');
    db.close();
    const a = CaptureReader.open(path);
    const b = CaptureReader.open(copy);
    const a2 = CaptureReader.open(path);
    try {
      const sql = 'SELECT pid, comm, opens, failed, paths FROM files_per_process ORDER BY pid, comm';
      const mixed = await queryCaptures([a, b], sql);
      const same = await queryCaptures([a, a2], sql);
      expect(mixed.rows).toEqual(same.rows);
      expect((await queryCaptures([a, a2], 'SELECT count(*) FROM lineage WHERE host IS NOT NULL')).rows[0]![0]).toBeGreaterThan(9);
    } finally {
      a.close();
      b.close();
      a2.close();
    }
  });

  it('a summary table with a column of its own, or an index the reader does not know, is refused', () => {
    for (const [name, sql] of [
      ['extra.db', 'ALTER TABLE files_per_process_summary ADD COLUMN evil TEXT'],
      ['index.db', 'CREATE INDEX idx_evil ON files_per_process_summary (comm)'],
    ] as const) {
      const copy = join(t.dir, name);
      copyFileSync(path, copy);
      const db = new Database(copy);
      db.exec(sql);
      db.close();
      expect(() => CaptureReader.open(copy)).toThrow(/unexpected schema/);
    }
  });
});

/** The users line's answer from the raw rows: the same capture with uid_summary's `summaries` rows removed (a copy). */
function rawUserCounts(path: string, copy: string): ReturnType<CaptureReader['userCounts']> {
  copyFileSync(path, copy);
  const db = new Database(copy);
  db.exec("DELETE FROM summaries WHERE name = 'uid_summary'");
  db.close();
  const r = CaptureReader.open(copy);
  try {
    expect(r.usersSummarized).toBe(false);
    return r.userCounts(100);
  } finally {
    r.close();
  }
}

/** Opens `path` and returns whether it used uid_summary and its users answer. */
function userCountsOf(path: string): { summarized: boolean; counts: ReturnType<CaptureReader['userCounts']> } {
  const r = CaptureReader.open(path);
  try {
    return { summarized: r.usersSummarized, counts: r.userCounts(100) };
  } finally {
    r.close();
  }
}

/** Opens `path` read-write, runs `sql`, closes. */
function edit(path: string, sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

describe('uid_summary: the users line of info (schema 6)', () => {
  const t = tempDir('ebpfsh-uid-summary-');
  let path = '';
  beforeAll(async () => {
    path = join(t.dir, 'users.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record', '-w', path], reserveBytes: 0, batchMs: 5 });
    await rec.whenReady();
    const uids = [0, 1000, 1000, 33, 65534, 1000, 0];
    const events: TraceEvent[] = [];
    for (let i = 0; i < 700; i++) events.push(openEvent(i, `/tmp/u-${i % 7}`, { uid: uids[i % 7]! }));
    for (let i = 0; i < 40; i++) events.push(connectEvent(700 + i, 3000, 0, '10.0.0.9'), { ...connectEvent(800 + i, 3001, 0, '10.0.0.8'), uid: 4242 });
    rec.record(events);
    await rec.stop('test');
  }, 60_000);
  afterAll(() => t.cleanup());

  it('is built at stop, one summaries row per probe table, and answers what the raw scan answers', () => {
    const db = new Database(path, { readonly: true });
    const marks = db.prepare("SELECT source, source_rows FROM summaries WHERE name = 'uid_summary' ORDER BY source").all() as { source: string; source_rows: number }[];
    expect(marks.map((m) => m.source)).toEqual(PROBES.map((p) => p.table).sort());
    expect(db.prepare("SELECT uid, events FROM uid_summary WHERE tbl = 'connect' ORDER BY uid").raw().all()).toEqual([[1000, 40], [4242, 40]]);
    db.close();
    const got = userCountsOf(path);
    expect(got.summarized).toBe(true);
    expect(got.counts).toEqual({ top: [{ uid: 1000, events: 340 }, { uid: 0, events: 200 }, { uid: 33, events: 100 }, { uid: 65534, events: 100 }, { uid: 4242, events: 40 }], uids: 5, odd: 0 });
    expect(got.counts).toEqual(rawUserCounts(path, join(t.dir, 'users-raw.db')));
    const r = CaptureReader.open(path);
    const raw = CaptureReader.open(join(t.dir, 'users-raw.db'));
    try {
      expect(r.userCounts(2)).toEqual({ top: [{ uid: 1000, events: 340 }, { uid: 0, events: 200 }], uids: 5, odd: 0 });
      // info's per-table counts come from it too: the same as count(*).
      expect(r.info().counts).toEqual(raw.info().counts);
      expect(r.info().counts).toMatchObject({ open: 700, connect: 80, exec: 0 });
    } finally {
      r.close();
      raw.close();
    }
  });

  it('counts hostile uid values (NULL, text, a blob, negative, huge, fractional) exactly as the raw scan does', () => {
    const hostile = join(t.dir, 'hostile.db');
    copyFileSync(path, hostile);
    const db = new Database(hostile);
    // Rows an edited capture could hold: the INTEGER column keeps text, blobs, reals and huge integers as they are.
    for (const v of ['NULL', "'abc'", "'1000'", "X'01'", '-5', '-5', '9223372036854775807', '-9223372036854775808', '9007199254740992', '9007199254740991', '-9007199254740991', '1e300', '1000.5', '1000.0', '33.0'])
      db.exec(`INSERT INTO "open" (ts, uid) VALUES (1, ${v}); INSERT INTO "exec" (ts, uid) VALUES (1, ${v})`);
    db.exec("DELETE FROM uid_summary; DELETE FROM summaries WHERE name = 'uid_summary'");
    db.transaction(() => {
      for (const sql of buildUidSummarySql()) db.exec(sql);
    })();
    db.close();
    const got = userCountsOf(hostile);
    expect(got.summarized).toBe(true);
    const raw = rawUserCounts(hostile, join(t.dir, 'hostile-raw.db'));
    expect(got.counts).toEqual(raw);
    // NULL, 'abc', X'01', 2^63 - 1, -2^63, 2^53 and 1e300, 1000.5: 8 values in two tables; '1000' and 1000.0 are stored as 1000, 33.0 as 33.
    expect(raw.odd).toBe(16);
    expect(raw.top.find((u) => u.uid === 1000)!.events).toBe(344);
    expect(raw.top.find((u) => u.uid === -5)!.events).toBe(4);
    expect(raw.top.find((u) => u.uid === 9007199254740991)!.events).toBe(2);
    expect(raw.top.find((u) => u.uid === -9007199254740991)!.events).toBe(2);
    expect(raw.uids).toBe(8);
  });

  it('is ignored once a row is appended after it (stale), and the raw scan counts that row', () => {
    const stale = join(t.dir, 'stale.db');
    copyFileSync(path, stale);
    edit(stale, 'INSERT INTO "open" (ts, uid) VALUES (1, 777)');
    const got = userCountsOf(stale);
    expect(got.summarized).toBe(false);
    expect(got.counts.top.find((u) => u.uid === 777)).toEqual({ uid: 777, events: 1 });
    expect(got.counts.uids).toBe(6);
  });

  it('is ignored when its summaries rows do not cover every probe table once, or a row of it is malformed', () => {
    const want = userCountsOf(path).counts;
    for (const [name, sql] of [
      ['missing-mark.db', "DELETE FROM summaries WHERE name = 'uid_summary' AND source = 'connect'"],
      ['twice.db', "INSERT INTO summaries (name, source, source_rows) SELECT name, source, source_rows FROM summaries WHERE name = 'uid_summary' AND source = 'open'"],
      ['other-table.db', "UPDATE summaries SET source = 'notes' WHERE name = 'uid_summary' AND source = 'exec'"],
      ['text-rows.db', "UPDATE summaries SET source_rows = 'all' WHERE name = 'uid_summary' AND source = 'open'"],
      ['text-count.db', "UPDATE uid_summary SET events = 'many' WHERE id = 1"],
      ['negative-count.db', 'UPDATE uid_summary SET events = -1 WHERE id = 1'],
      ['real-uid.db', "UPDATE uid_summary SET uid = 1000.5 WHERE tbl = 'open' AND uid = 1000"],
      ['unknown-table.db', "UPDATE uid_summary SET tbl = 'notes' WHERE id = 1"],
      ['overflow.db', "UPDATE uid_summary SET events = 9007199254740991 WHERE tbl = 'connect'"],
    ] as const) {
      const copy = join(t.dir, name);
      copyFileSync(path, copy);
      edit(copy, sql);
      const got = userCountsOf(copy);
      expect(got.summarized, name).toBe(false);
      expect(got.counts, name).toEqual(want);
    }
  });

  it('is covered by the integrity chain: verify finds an edited uid_summary row', async () => {
    expect((await verifyCapture(path)).verdict).toBe('intact');
    const copy = join(t.dir, 'edited.db');
    copyFileSync(path, copy);
    edit(copy, 'UPDATE uid_summary SET events = events + 1000 WHERE id = 1');
    const report = await verifyCapture(copy);
    expect(report.verdict).not.toBe('intact');
    expect(JSON.stringify(report.problems)).toContain('uid_summary');
  });

  it('a uid_summary with a column of its own is refused', () => {
    const copy = join(t.dir, 'extra-col.db');
    copyFileSync(path, copy);
    edit(copy, 'ALTER TABLE uid_summary ADD COLUMN evil TEXT');
    expect(() => CaptureReader.open(copy)).toThrow(/unexpected schema/);
  });
});

describe('a schema 5 capture (fixture made by test/fixtures/store/make-v5-capture.mjs with the schema-5 build)', () => {
  const t = tempDir('ebpfsh-v5-');
  afterAll(() => t.cleanup());
  const FIXTURE = fileURLToPath(new URL('../fixtures/store/v5-capture.db', import.meta.url));

  it('is read as it is, with no private copy: info counts users from the raw rows, views and SQL answer, the file is unchanged, and it verifies intact', async () => {
    const p = join(t.dir, 'v5.db');
    copyFileSync(FIXTURE, p);
    const before = sha256(p);
    const r = CaptureReader.open(p);
    try {
      expect(r.snapshot).toBe(false);
      expect(r.dbPath).toBe(p);
      expect(r.schema.version).toBe(5);
      expect(r.info()).toMatchObject({ schemaVersion: 5, counts: { open: 10, exec: 1 } });
      expect(r.usersSummarized).toBe(false);
      expect(r.summarized.has('files_per_process')).toBe(true); // its schema-5 summaries still count
      expect(r.userCounts()).toEqual({ top: [{ uid: 1000, events: 7 }, { uid: 0, events: 3 }, { uid: 33, events: 1 }], uids: 3, odd: 0 });
      const files = await r.query('SELECT count(*) FROM files_per_process');
      expect(files.rows[0]![0]).toBeGreaterThan(0);
      expect((await r.query("SELECT path FROM open WHERE path = '/etc/f9'")).rows).toEqual([['/etc/f9']]);
      expect((await r.query('SELECT count(*) FROM events')).rows).toEqual([[11]]);
      await expect(r.query("SELECT count(*) FROM uid_summary")).rejects.toThrow(/no such table/);
    } finally {
      r.close();
    }
    expect(sha256(p)).toBe(before);
    expect((await verifyCapture(p)).verdict).toBe('intact');
  });

  it('recover keeps it at schema 5 (the chain covers capture.schema_version: migrating in place would read as edited), and it still verifies', async () => {
    const p = join(t.dir, 'v5-recovered.db');
    copyFileSync(FIXTURE, p);
    expect(recoverCapture(p)).toEqual({ fromVersion: 5, toVersion: 5, wasUnclean: false, gapStartNs: expect.any(Number) });
    const db = new Database(p, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'uid_summary'").pluck().get()).toBe(0);
    db.close();
    const r = CaptureReader.open(p);
    try {
      expect(r.snapshot).toBe(false);
      expect(r.usersSummarized).toBe(false);
      expect(r.userCounts().top[0]).toEqual({ uid: 1000, events: 7 });
    } finally {
      r.close();
    }
    expect((await verifyCapture(p)).verdict).toBe('intact');
  });

  it('recover of a chained schema 4 capture (no summary tables) keeps schema 4 and builds no index on a table it lacks', () => {
    const p = join(t.dir, 'v4-recovered.db');
    copyFileSync(FIXTURE, p);
    edit(p, `${summaries().map((s) => `DROP TABLE ${s.table};`).join(' ')} DROP TABLE summaries; UPDATE capture SET schema_version = 4, end_ns = NULL; PRAGMA user_version = 4;`);
    expect(recoverCapture(p)).toMatchObject({ fromVersion: 4, toVersion: 4, wasUnclean: true });
    const db = new Database(p, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%summar%'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT kind FROM chain ORDER BY seq DESC LIMIT 1").pluck().get()).toBe('recovered');
    db.close();
    const r = CaptureReader.open(p);
    expect(r.userCounts().uids).toBe(3);
    r.close();
  });

  it('a uid_summary in a capture that says schema 5 is refused', () => {
    const p = join(t.dir, 'v5-with-uid.db');
    copyFileSync(FIXTURE, p);
    edit(p, 'CREATE TABLE uid_summary (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, uid INTEGER, events INTEGER NOT NULL)');
    expect(() => CaptureReader.open(p)).toThrow(/unexpected schema/);
  });
});
