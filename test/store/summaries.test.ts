import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import { PROBES } from '../../src/probes/index.js';
import { CaptureReader, Recorder, queryCaptures } from '../../src/store/index.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { lineageChainSql, summaries } from '../../src/store/summaries.js';
import { lifeEvent } from './chain-helpers.js';
import { openEvent, tempDir } from './helpers.js';

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
    const marks = db.prepare('SELECT name, source, source_rows FROM summaries ORDER BY id').all() as { name: string; source: string; source_rows: number }[];
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
