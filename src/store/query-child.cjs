// @ts-check
'use strict';
/*
 * Runs read-only queries on a validated capture in a child process, so a
 * runaway query can be stopped with SIGKILL: better-sqlite3 exposes neither
 * sqlite3_interrupt nor a progress handler, and a worker thread cannot be
 * stopped while SQLite is inside one step. Plain CommonJS: see writer-worker.cjs.
 */
const Database = require(process.argv[2]);
const dbs = new Map();

function open(path) {
  let db = dbs.get(path);
  if (db) return db;
  db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('trusted_schema = OFF');
  db.pragma('cell_size_check = ON');
  db.pragma('query_only = ON');
  dbs.set(path, db);
  return db;
}

process.on('message', (/** @type {any} */ m) => {
  try {
    const db = open(m.path);
    const stmt = db.prepare(m.sql); // more than one statement is refused here
    if (!stmt.reader || !stmt.readonly) throw Object.assign(new Error('only one read-only statement that returns rows is allowed (SELECT, WITH, VALUES, EXPLAIN or a reading PRAGMA)'), { code: 'QUERY' });
    stmt.raw(true);
    const columns = stmt.columns().map((c) => c.name);
    const rows = [];
    let truncated = false;
    for (const r of stmt.iterate(...(m.params ?? []))) {
      if (rows.length >= m.maxRows) {
        truncated = true;
        break;
      }
      rows.push(r);
    }
    process.send?.({ id: m.id, columns, rows, truncated });
  } catch (e) {
    const err = /** @type {any} */ (e);
    process.send?.({ id: m.id, error: String(err && err.message), code: err && err.code });
  }
});
