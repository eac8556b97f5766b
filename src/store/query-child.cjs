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

function open(path, merge) {
  const key = merge ? JSON.stringify(merge) : path;
  let db = dbs.get(key);
  if (db) return db;
  // Several captures: an empty in-memory database with each validated capture
  // attached by us (users may not ATTACH), and TEMP views that union them.
  // One capture: opened read-only, with the ready-made TEMP views.
  const several = merge && merge.attach.length > 0;
  db = several ? new Database(':memory:') : new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('trusted_schema = OFF');
  db.pragma('cell_size_check = ON');
  if (merge) {
    for (const a of merge.attach) db.prepare(`ATTACH DATABASE ? AS "${a.alias}"`).run(a.path);
    for (const sql of merge.setup) db.exec(sql); // TEMP views only: the captures stay untouched
  }
  db.pragma('query_only = ON');
  dbs.set(key, db);
  return db;
}

process.on('message', (/** @type {any} */ m) => {
  try {
    const db = open(m.path, m.merge);
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
