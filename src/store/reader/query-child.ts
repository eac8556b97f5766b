/*
 * Runs read-only queries on a validated capture in a child process, so a
 * runaway query can be stopped with SIGKILL: better-sqlite3 exposes neither
 * sqlite3_interrupt nor a progress handler, and a worker thread cannot be
 * stopped while SQLite is inside one step.
 */
import Database from 'better-sqlite3';
import type { MergeSpec, QueryReply, QueryRequest } from './query-protocol.js';

const dbs = new Map<string, Database.Database>();

const ALIAS = /^c[1-9][0-9]*$/;
const SETUP = /^CREATE TEMP VIEW "?[a-z_]+"? AS\s/;

function open(path: string, merge: MergeSpec): Database.Database {
  const key = JSON.stringify([path, merge]);
  let db = dbs.get(key);
  if (db) return db;
  // The main capture is opened read-only: SQLite gives every database ATTACHed
  // to this connection the same flags, so an attached capture is read-only
  // too and an ATTACH of a missing path fails instead of creating a file.
  // (This better-sqlite3 is built with SQLITE_USE_URI=0 and opens without
  // SQLITE_OPEN_URI: `file:...?immutable=1` would be a literal file name.)
  db = new Database(path, { readonly: true, fileMustExist: true });
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
  dbs.set(key, db);
  return db;
}

const reply = (m: QueryReply) => process.send?.(m);

process.on('message', (m: QueryRequest) => {
  try {
    const db = open(m.path, m.merge);
    const stmt = db.prepare(m.sql); // more than one statement is refused here
    if (!stmt.reader || !stmt.readonly) throw Object.assign(new Error('only one read-only statement that returns rows is allowed (SELECT, WITH, VALUES, EXPLAIN or a reading PRAGMA)'), { code: 'QUERY' });
    stmt.raw(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows: unknown[][] = [];
    let truncated = false;
    for (const r of stmt.iterate(...(m.params ?? []))) {
      if (rows.length >= m.maxRows) {
        truncated = true;
        break;
      }
      rows.push(r as unknown[]);
    }
    reply({ id: m.id, columns, rows, truncated });
  } catch (e) {
    const err = e as { message?: string; code?: string } | undefined;
    reply({ id: m.id, error: String(err?.message), code: err?.code });
  }
});
