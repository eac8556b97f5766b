// @ts-check
'use strict';
/*
 * The capture writer thread: a generic SQL executor so recording never
 * stalls the shell's event loop. The schema and every statement come from
 * src/store (TypeScript, main thread); this file only runs them, one
 * transaction per batch, and owns the disk-full path. Plain CommonJS because
 * worker_threads cannot load .ts under vitest; it is small on purpose.
 */
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.sqlite);

const db = new Database(workerData.path, { fileMustExist: true });
// Set on every open: these do not persist in the file.
db.pragma(`synchronous = ${workerData.synchronous}`);
db.pragma('cache_size = -32768');
db.pragma('busy_timeout = 5000');
const statements = new Map();
let full = false;

function stmt(sql) {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}

/** Runs one op; returns the number of event rows it inserted. */
function runOp(op) {
  if (op.sql !== undefined) {
    stmt(op.sql).run(op.p ?? []);
    return 0;
  }
  const { w, v, k } = op;
  const n = v.length / w;
  let i = 0;
  if (k > 1 && n >= k) {
    const sk = stmt(op.sqlK);
    const chunk = new Array(w * k);
    for (; i + k <= n; i += k) {
      for (let j = 0, base = i * w; j < w * k; j++) chunk[j] = v[base + j];
      sk.run(chunk);
    }
  }
  const s1 = stmt(op.sql1);
  const one = new Array(w);
  for (; i < n; i++) {
    for (let j = 0, base = i * w; j < w; j++) one[j] = v[base + j];
    s1.run(one);
  }
  return n;
}

const runBatch = db.transaction((ops) => {
  let rows = 0;
  for (const op of ops) rows += runOp(op);
  return rows;
});

function isFull(e) {
  return e && (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC' || /SQLITE_FULL|database or disk is full/.test(String(e.message)));
}

function releaseReserve() {
  try {
    if (workerData.reservePath) fs.unlinkSync(workerData.reservePath);
  } catch {
    // already gone
  }
}

function finish(msg) {
  let mode = 'wal';
  let error;
  let rows = 0;
  try {
    if (msg.ops.length) rows = runBatch(msg.ops);
    for (const sql of msg.final) db.exec(sql);
  } catch (e) {
    error = String(e && e.message);
    if (isFull(e)) releaseReserve();
  }
  try {
    // One self-contained file: copying only the .db of a WAL capture loses rows.
    db.pragma('wal_checkpoint(TRUNCATE)');
    mode = String(db.pragma('journal_mode = DELETE', { simple: true }));
  } catch (e) {
    error ??= String(e && e.message);
  }
  try {
    db.close();
  } catch {
    // closing is best effort; the data is committed
  }
  releaseReserve();
  parentPort.postMessage({ t: 'finished', mode, error, rows });
}

parentPort.on('message', (msg) => {
  if (msg.t === 'finish') return finish(msg);
  if (msg.t !== 'batch') return;
  if (full) return parentPort.postMessage({ t: 'ack', seq: msg.seq, rows: 0, lost: true });
  const started = performance.now();
  try {
    const rows = runBatch(msg.ops);
    parentPort.postMessage({ t: 'ack', seq: msg.seq, rows, ms: performance.now() - started });
  } catch (e) {
    if (isFull(e)) {
      full = true;
      // Room for the loss row, the stop record and the checkpoint.
      releaseReserve();
      parentPort.postMessage({ t: 'full', seq: msg.seq });
    } else {
      parentPort.postMessage({ t: 'failed', seq: msg.seq, message: String(e && e.message), code: e && e.code });
    }
  }
});
parentPort.postMessage({ t: 'ready' });
