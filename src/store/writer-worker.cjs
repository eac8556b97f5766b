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

// Proof that SQLite opened the files the main thread created, before anything runs in them (same-file.cjs).
const sameFile = require('./same-file.cjs');
const fdsBefore = sameFile.openFileKeys();
const db = new Database(workerData.path, { fileMustExist: true });
sameFile.verifyWriterOpen(db, fdsBefore, workerData.files);
// Set on every open: these do not persist in the file.
db.pragma(`synchronous = ${workerData.synchronous}`);
db.pragma('cache_size = -32768');
db.pragma('busy_timeout = 5000');
const statements = new Map();

/** CPU time of this thread in ms (Linux /proc, 10 ms ticks), for the benchmark; undefined elsewhere. */
function threadCpuMs() {
  try {
    const f = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return undefined;
  }
}
const cpuAtStart = threadCpuMs();
/** CPU ms this thread spent since it started (opening, inserts, commits). */
function cpuSinceStart() {
  const now = threadCpuMs();
  return now === undefined || cpuAtStart === undefined ? undefined : now - cpuAtStart;
}
let full = false;

function stmt(sql) {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
}

/** Where fill() left off in the output array and in the raw triples. */
let fillAt = 0;
let rawAt = 0;

/**
 * Appends row r of a columnar batch to out at fillAt, in the column order of
 * plan ([slot, index] pairs: 0 = a number at ints[ib + index]; 1 = the string
 * whose index in strs is there; NaN is NULL for both; 2 = raw twin at column
 * position index, from the (row, position, bytes) triples, which come in row
 * and column order).
 */
function fill(out, plan, ints, ib, strs, raws, r) {
  let o = fillAt;
  for (let c = 0; c < plan.length; c += 2) {
    const slot = plan[c];
    const x = plan[c + 1];
    if (slot === 0) {
      const v = ints[ib + x];
      out[o++] = v === v ? v : null;
    } else if (slot === 1) {
      const v = ints[ib + x];
      out[o++] = v === v ? strs[v] : null;
    } else if (rawAt < raws.length && raws[rawAt] === r && raws[rawAt + 1] === x) {
      out[o++] = raws[rawAt + 2];
      rawAt += 3;
    } else {
      out[o++] = null;
    }
  }
  fillAt = o;
}

/**
 * Inserts a columnar batch of one probe table (see ColumnarRows in rows.ts),
 * k rows per statement. A chunk with no invalid UTF-8 (nearly all) uses the
 * lean statement, which leaves the NULL raw twins out of the column list:
 * fewer values to bind per row.
 */
function runRows(op) {
  const d = op.d;
  const { rows: n, ints, strs, raws } = op;
  const { k, slots, leanPlan, fullPlan } = d;
  const leanK = stmt(d.leanK);
  const fullK = raws.length ? stmt(d.fullK) : undefined;
  const chunkL = new Array((leanPlan.length / 2) * k);
  const chunkF = raws.length ? new Array((fullPlan.length / 2) * k) : undefined;
  const oneL = new Array(leanPlan.length / 2);
  const oneF = new Array(fullPlan.length / 2);
  rawAt = 0;
  let i = 0;
  for (; i + k <= n; i += k) {
    const withRaw = rawAt < raws.length && raws[rawAt] < i + k;
    const plan = withRaw ? fullPlan : leanPlan;
    const out = withRaw ? chunkF : chunkL;
    fillAt = 0;
    for (let r = i; r < i + k; r++) fill(out, plan, ints, r * slots, strs, raws, r);
    // Spread, not an array: better-sqlite3 reads call arguments far faster than array elements
    // (measured here: ~520k vs ~360k rows/s for an 18-column row).
    (withRaw ? fullK : leanK).run(...out);
  }
  for (; i < n; i++) {
    const withRaw = rawAt < raws.length && raws[rawAt] === i;
    const out = withRaw ? oneF : oneL;
    fillAt = 0;
    fill(out, withRaw ? fullPlan : leanPlan, ints, i * slots, strs, raws, i);
    stmt(withRaw ? d.full1 : d.lean1).run(...out);
  }
  return n;
}

/** Runs one op; returns the number of event rows it inserted. */
function runOp(op) {
  if (op.sql !== undefined) {
    stmt(op.sql).run(op.p ?? []);
    return 0;
  }
  return runRows(op);
}

const runBatch = db.transaction((ops) => {
  let rows = 0;
  for (const op of ops) rows += runOp(op);
  return rows;
});

function isFull(e) {
  return e && (e.code === 'SQLITE_FULL' || e.code === 'ENOSPC' || /SQLITE_FULL|database or disk is full/.test(String(e.message)));
}

// Our own fd of the reserve (an unlinked file the main thread made): reopened through /proc so this
// thread closes only what it opened (Node warns otherwise) and the main thread can close its own.
let reserveFd = workerData.reserveFd >= 0 ? fs.openSync(`/proc/self/fd/${workerData.reserveFd}`, 'r') : -1;

function releaseReserve() {
  try {
    // An fd of an unlinked file (capture-file.ts createReserve): closing it frees the space.
    const fd = reserveFd;
    reserveFd = -1;
    if (fd >= 0) fs.closeSync(fd);
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
  parentPort.postMessage({ t: 'finished', mode, error, rows, cpuMs: cpuSinceStart() });
}

parentPort.on('message', (msg) => {
  if (msg.t === 'finish') return finish(msg);
  if (msg.t !== 'batch') return;
  if (full) return parentPort.postMessage({ t: 'ack', seq: msg.seq, rows: 0, lost: true });
  const started = performance.now();
  try {
    const rows = runBatch(msg.ops);
    parentPort.postMessage({ t: 'ack', seq: msg.seq, rows, ms: performance.now() - started, cpuMs: cpuSinceStart() });
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
