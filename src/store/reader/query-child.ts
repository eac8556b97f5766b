/*
 * Runs read-only queries on a validated capture in a child process, so a
 * runaway query can be stopped with SIGKILL: better-sqlite3 exposes neither
 * sqlite3_interrupt nor a progress handler, and a worker thread cannot be
 * stopped while SQLite is inside one step.
 */
import type Database from 'better-sqlite3';
import type { MergeSpec, QueryReply, QueryRequest } from './query-protocol.js';
import { openQueryDb, runStatement } from './query-run.js';

const dbs = new Map<string, Database.Database>();

function open(path: string, merge: MergeSpec): Database.Database {
  const key = JSON.stringify([path, merge]);
  let db = dbs.get(key);
  if (!db) dbs.set(key, (db = openQueryDb(path, merge)));
  return db;
}

const reply = (m: QueryReply) => process.send?.(m);

process.on('message', (m: QueryRequest) => {
  try {
    reply({ id: m.id, ...runStatement(open(m.path, m.merge), m.sql, m.params ?? [], m.maxRows) });
  } catch (e) {
    const err = e as { message?: string; code?: string } | undefined;
    reply({ id: m.id, error: String(err?.message), code: err?.code });
  }
});
