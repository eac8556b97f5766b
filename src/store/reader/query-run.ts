/*
 * Opening a query connection and running one statement on it: the same code
 * in the query child process and in a one-shot process's own thread
 * (CaptureReader.query with `inProcess`), so both refuse the same things.
 */
import Database from 'better-sqlite3';
import type { MergeSpec } from './query-protocol.js';

const ALIAS = /^c[1-9][0-9]*$/;
const SETUP = /^CREATE TEMP VIEW "?[a-z_]+"? AS\s/;

/** Opens the capture at `path` read-only for queries, as `merge` says (attached captures, TEMP views), then query_only. */
export function openQueryDb(path: string, merge: MergeSpec): Database.Database {
  // The main capture is opened read-only: SQLite gives every database ATTACHed
  // to this connection the same flags, so an attached capture is read-only
  // too and an ATTACH of a missing path fails instead of creating a file.
  // (This better-sqlite3 is built with SQLITE_USE_URI=0 and opens without
  // SQLITE_OPEN_URI: `file:...?immutable=1` would be a literal file name.)
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    for (const a of merge.attach) {
      if (!ALIAS.test(a.alias)) throw new Error(`bad alias ${a.alias}`);
      db.prepare(`ATTACH DATABASE ? AS ${a.alias}`).run(a.path);
    }
    // One statement per prepare (prepare refuses a second one), and only our
    // TEMP views: nothing here can write a file. query_only would refuse the
    // TEMP views themselves, so it comes right after them.
    for (const sql of merge.setup) {
      if (!SETUP.test(sql)) throw new Error('set-up may only create TEMP views');
      db.prepare(sql).run();
    }
    db.pragma('query_only = ON');
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/** Rows of one read-only statement (raw arrays), at most `maxRows` (`truncated`: more matched); throws (code QUERY) for anything else. */
export function runStatement(db: Database.Database, sql: string, params: unknown[], maxRows: number): { columns: string[]; rows: unknown[][]; truncated: boolean } {
  const stmt = db.prepare(sql); // more than one statement is refused here
  if (!stmt.reader || !stmt.readonly) throw Object.assign(new Error('only one read-only statement that returns rows is allowed (SELECT, WITH, VALUES, EXPLAIN or a reading PRAGMA)'), { code: 'QUERY' });
  stmt.raw(true);
  const columns = stmt.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  let truncated = false;
  for (const r of stmt.iterate(...params)) {
    if (rows.length >= maxRows) {
      truncated = true;
      break;
    }
    rows.push(r as unknown[]);
  }
  return { columns, rows, truncated };
}
