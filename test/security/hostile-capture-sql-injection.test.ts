import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureError, CaptureReader, queryCaptures } from '../../src/store/index.js';
import { sha256 } from '../store/helpers.js';
import { RAW, ebpfsh, hostileCopy, normalCapture } from './hostile-capture.js';

/** Opens `path` with the reader; the CaptureError message, or 'opened'. */
function openError(path: string): string {
  try {
    CaptureReader.open(path).close();
    return 'opened';
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureError);
    return (e as Error).message;
  }
}

describe('a capture whose values are SQL: merged queries never run them', () => {
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-sec-sql-'));
    base = await normalCapture(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQL in clock_offset_ns is refused on open, and `query a b` creates no file', () => {
    const pwn = join(dir, 'pwned.db');
    // The reproduced attack: the offset closes the TEMP view and ATTACHes a new file.
    const sql = `0 AS wall_ns FROM c1.journal; ATTACH DATABASE '${pwn}' AS pwn; CREATE TABLE pwn.t(x); CREATE TEMP VIEW zz AS SELECT 1`;
    const evil = hostileCopy(base, 'evil-offset.db', (db) => db.prepare('UPDATE capture SET clock_offset_ns = ?').run(sql));
    const before = sha256(evil);
    const r = ebpfsh(['query', base, evil, 'SELECT count(*) FROM exec']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/evil-offset\.db: damaged capture record \(capture\.clock_offset_ns must be an integer.*\(it holds text\)\); refusing to read it/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(existsSync(pwn)).toBe(false);
    expect(sha256(evil)).toBe(before);
  });

  it('every value of the capture row is checked: types (integers must be integers) and ranges', () => {
    const cases: [string, string, unknown][] = [
      ['real-offset.db', 'clock_offset_ns', 1.5],
      ['blob-start.db', 'start_ns', Buffer.from('x')],
      ['neg-start.db', 'start_ns', -5],
      ['text-pid.db', 'recorder_pid', '1; DROP TABLE exec'],
      ['clean.db', 'clean_stop', 7],
      ['tool.db', 'tool', 'evil'],
      ['host.db', 'hostname', 'h'.repeat(300)],
      ['argv.db', 'command_line', '{"x":1}'],
      ['argv-text.db', 'command_line', '\x1b]0;owned\x07 not json'],
      ['end.db', 'end_ns', 'never'],
      ['schema.db', 'schema_version', 'two'], ['schema99.db', 'schema_version', 99],
    ];
    for (const [name, col, v] of cases) {
      const p = hostileCopy(base, name, (db) => db.prepare(`UPDATE capture SET ${col} = ?`).run(v));
      expect(openError(p), name).toMatch(new RegExp(`${name.replace('.', '\\.')}: damaged capture record \\(capture\\.${col} must be`));
    }
    const two = hostileCopy(base, 'two-rows.db', (db) => {
      db.exec('DROP TABLE capture');
      db.exec('CREATE TABLE capture (id INTEGER PRIMARY KEY CHECK (id = 1), tool TEXT NOT NULL, tool_version TEXT NOT NULL, schema_version INTEGER NOT NULL, hostname TEXT NOT NULL, kernel_release TEXT NOT NULL, boot_id TEXT NOT NULL, clock_offset_ns INTEGER NOT NULL, start_ns INTEGER NOT NULL, start_time TEXT NOT NULL, end_ns INTEGER, end_time TEXT, clean_stop INTEGER NOT NULL DEFAULT 0, stop_reason TEXT, command_line TEXT NOT NULL, recorder_pid INTEGER NOT NULL, last_commit_ns INTEGER)');
    });
    expect(openError(two)).toMatch(/damaged capture record \(0 rows instead of 1\)/);
    expect(openError(base)).toBe('opened');
  });

  it('merged captures are attached read-only: not even our own set-up could write or create a file', async () => {
    const b = hostileCopy(base, 'b.db', (db) => db.prepare("UPDATE capture SET hostname = 'web2', clock_offset_ns = clock_offset_ns + 1000").run());
    const readers = [CaptureReader.open(base), CaptureReader.open(b)];
    const hashes = [sha256(base), sha256(b)];
    try {
      // Offsets come from each capture's own (validated) row, read by SQL.
      const off = await queryCaptures(readers, 'SELECT host, min(wall_ns - ts), max(wall_ns - ts) FROM exec GROUP BY host ORDER BY host');
      const [o1, o2] = [readers[0]!.info().clockOffsetNs, readers[1]!.info().clockOffsetNs];
      expect(off.rows).toEqual([[readers[0]!.info().hostname, o1, o1], ['web2', o2, o2]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
      await expect(queryCaptures(readers, "SELECT * FROM pragma_database_list WHERE name = 'c1'")).resolves.toBeTruthy();
      // The query process's own connection: a write through it is refused by SQLite, not by our checks.
      await expect(queryCaptures(readers, 'DELETE FROM c1.exec')).rejects.toThrow(/read-only|only one read-only statement/);
    } finally {
      for (const r of readers) r.close();
    }
    expect([sha256(base), sha256(b)]).toEqual(hashes);
    expect(readdirSync(dir).filter((f) => /-(wal|shm|journal)$/.test(f))).toEqual([]);
  });

  it('the query connection is read-only from its first statement: even an ATTACH of a new path, or a set-up that is not a TEMP view, creates nothing', async () => {
    const r = CaptureReader.open(base);
    const fresh = join(dir, 'created-by-attach.db');
    try {
      await expect(r.query('SELECT 1', { merge: { main: r.dbPath, attach: [{ alias: 'c1', path: fresh }], setup: [] } })).rejects.toThrow(/unable to open|query failed/);
      await expect(r.query('SELECT 1', { merge: { main: r.dbPath, attach: [], setup: [`ATTACH DATABASE '${fresh}' AS pwn`] } })).rejects.toThrow(/set-up may only create TEMP views/);
      await expect(r.query('SELECT 1', { merge: { main: r.dbPath, attach: [], setup: [`CREATE TEMP VIEW v AS SELECT 1; ATTACH DATABASE '${fresh}' AS pwn`] } })).rejects.toThrow(/more than one statement|one statement at a time/);
    } finally {
      r.close();
    }
    expect(existsSync(fresh)).toBe(false);
  });

  it('a capture whose table cannot be read is an error the user sees, never silently left out of the union', async () => {
    const b = hostileCopy(base, 'b2.db', (db) => db.prepare("UPDATE capture SET hostname = 'web2'").run());
    const readers = [CaptureReader.open(base), CaptureReader.open(b)];
    try {
      // Reading b's tables on its own fails: the merged query must not just drop b.
      readers[1]!.query = () => Promise.reject(new CaptureError('query process died', 'QUERY'));
      const r = await queryCaptures(readers, 'SELECT host, count(*) FROM exec GROUP BY host ORDER BY host');
      expect(r.rows.map((x) => x[0])).toContain('web2');
    } finally {
      for (const r of readers) r.close();
    }
  });

  it('host labels are capture values: escaped on screen, never pasted into SQL', () => {
    const b = hostileCopy(base, 'b3.db', (db) => db.prepare('UPDATE capture SET hostname = ?').run("x' AS host, 1 FROM c0.exec; --\x1b[2J"));
    const r = ebpfsh(['query', base, b, 'SELECT DISTINCT host FROM exec ORDER BY host']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("x' AS host, 1 FROM c0.exec; --\\e[2J");
    expect(RAW.test(r.stdout)).toBe(false);
  });
});
