import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/commands/verify-command.js';
import { CaptureReader } from '../../src/store/index.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { recordChained } from '../store/chain-helpers.js';
import { sha256, tempDir } from '../store/helpers.js';

/** Runs `ebpfsh verify` on `path`: exit code and output. */
async function verify(path: string, key?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runVerify(path, { key }, (s) => (out += s), (s) => (err += s));
  return { code, out, err };
}

describe('verify names each way a recorded capture was tampered with', () => {
  const t = tempDir('ebpfsh-tamper-');
  let clean = '';
  let n = 0;
  beforeAll(async () => {
    clean = (await recordChained(t.dir, 'clean.db', { batches: 6 })).path;
  });
  afterAll(() => t.cleanup());

  /** A copy of the clean capture with `sql` run on it. */
  function tampered(sql: string | ((db: Database.Database) => void)): string {
    const p = join(t.dir, `tampered-${++n}.db`);
    copyFileSync(clean, p);
    const db = new Database(p);
    if (typeof sql === 'string') db.exec(sql);
    else sql(db);
    db.close();
    return p;
  }

  /** The batch (seq) whose range of `table` holds `id`. */
  function batchOf(table: string, id: number): number {
    const db = new Database(clean, { readonly: true });
    const rows = db.prepare('SELECT seq, tables FROM chain WHERE seq > 0').all() as { seq: number; tables: string }[];
    db.close();
    for (const r of rows) for (const [tb, lo, hi] of JSON.parse(r.tables) as [string, number, number][]) if (tb === table && id >= lo && id <= hi) return r.seq;
    throw new Error(`no batch holds ${table} ${id}`);
  }

  it('a clean capture is intact: exit 0, and verify leaves the file byte for byte unchanged', async () => {
    const before = sha256(clean);
    const r = await verify(clean);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/INTACT: chain of \d+ batches and the manifest match every row/);
    expect(sha256(clean)).toBe(before);
  });

  it('an edited event row: names the table, the batch and its time range', async () => {
    const r = await verify(tampered("UPDATE open SET path = '/etc/shadow' WHERE id = 250"));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`row(s) edited in open, batch ${batchOf('open', 250)}`);
    expect(r.out).toMatch(/\[\d{4}-\d\d-\d\d [\d:.]+ \.\. \d{4}-\d\d-\d\d [\d:.]+ UTC\]/);
  });

  it('a value changed in type only (an integer to a blob of its digits) is an edit', async () => {
    const r = await verify(tampered('UPDATE journal SET ts = CAST(CAST(ts AS TEXT) AS BLOB) WHERE id = 1'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('row(s) edited in journal, batch 1');
  });

  it('an edited journal, note or loss row is caught like an event row', async () => {
    expect((await verify(tampered("UPDATE notes SET text = 'nothing here' WHERE id = 1"))).out).toContain('row(s) edited in notes');
    expect((await verify(tampered("UPDATE journal SET detail = 'x' WHERE action = 'attach'"))).out).toContain('row(s) edited in journal');
  });

  it('a deleted row: names the table, the batch and the id', async () => {
    const r = await verify(tampered('DELETE FROM open WHERE id = 400'));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`1 row(s) deleted from open in batch ${batchOf('open', 400)}: id 400`);
  });

  it('an inserted row: names the table and the ids no batch wrote', async () => {
    const r = await verify(tampered('INSERT INTO open (ts, kind, pid, comm, path) SELECT ts + 1, kind, pid, comm, \'/tmp/planted\' FROM open WHERE id = 5'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1 row\(s\) inserted into open that no batch wrote \(ids \d+\.\.\d+, after batch \d+\)/);
    // The quick check readers run sees it too (the table no longer ends at the manifest's count).
    const reader = CaptureReader.open(join(t.dir, `tampered-${n}.db`));
    expect(reader.chainStatus().state).toBe('broken');
    reader.close();
  });

  it('a row inserted where one was deleted (same id) is an edit of that batch', async () => {
    const r = await verify(tampered((db) => {
      const row = db.prepare('SELECT * FROM open WHERE id = 300').get() as Record<string, unknown>;
      db.prepare('DELETE FROM open WHERE id = 300').run();
      db.prepare(`INSERT INTO open (${Object.keys(row).join(', ')}) VALUES (${Object.keys(row).map(() => '?').join(', ')})`).run(...Object.values(row).map((v, i) => (Object.keys(row)[i] === 'pid' ? 1 : v)));
    }));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`row(s) edited in open, batch ${batchOf('open', 300)}`);
  });

  it('a process row changed after the recorder last wrote it: names the row and its last batch', async () => {
    const r = await verify(tampered('UPDATE processes SET exe = \'/usr/bin/innocent\' WHERE id = (SELECT max(id) FROM processes)'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1 row\(s\) of processes edited after their last recorded change: id \d+ \(last written in batch \d+\)/);
  });

  it('a truncated capture (the last batches and their chain rows deleted): the chain ends before the manifest head', async () => {
    const r = await verify(tampered((db) => {
      const last = db.prepare('SELECT max(seq) FROM chain').pluck().get() as number;
      for (const row of db.prepare('SELECT tables FROM chain WHERE seq >= ?').pluck().all(last - 1) as string[])
        for (const [tb, lo, hi] of JSON.parse(row) as [string, number, number][]) db.prepare(`DELETE FROM "${tb}" WHERE id BETWEEN ? AND ?`).run(lo, hi);
      db.prepare('DELETE FROM chain WHERE seq >= ?').run(last - 1);
    }));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the capture was truncated: the manifest's chain has (\d+) batches, this one ends at batch \d+/);
  });

  it('a removed manifest on a capture that stopped cleanly is tampering, not an unclean stop', async () => {
    const r = await verify(tampered('DELETE FROM manifest'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the manifest is missing: the recording stopped cleanly \(batch \d+ is its stop batch\)/);
  });

  it('an edited chain row, and an edited capture row, are named', async () => {
    expect((await verify(tampered('UPDATE chain SET ts_min = ts_min + 1 WHERE seq = 2'))).out).toContain('chain row 2 was edited');
    const host = await verify(tampered("UPDATE capture SET hostname = 'elsewhere'"));
    expect(host.out).toContain('the capture row was edited');
    expect(host.out).toContain("capture row's hostname differs from the manifest's");
  });

  it('an added table or trigger is a changed schema, named, exit 1', async () => {
    const r = await verify(tampered('CREATE TABLE extra (x)'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('unexpected schema (table extra)');
  });

  it('a file that is not a capture is one error line and exit 2', async () => {
    const p = join(t.dir, 'not.db');
    new Database(p).close();
    const r = await verify(p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^ebpfsh: .*not an ebpfsh capture/);
  });

  it('the store-level report lists each problem once', async () => {
    const r = await verifyCapture(tampered('DELETE FROM open WHERE id = 100; UPDATE exec SET comm = \'x\''));
    expect(r.verdict).toBe('tampered');
    expect(r.problems.map((p) => p.table)).toEqual(expect.arrayContaining(['open', 'exec']));
  });
});
