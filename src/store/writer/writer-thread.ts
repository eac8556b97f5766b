/*
 * The capture writer thread: a generic SQL executor so recording never
 * stalls the shell's event loop. The schema and every statement come from
 * the main thread (writer-protocol.ts); this module only runs them, one
 * transaction per batch, and owns the disk-full path. Small on purpose.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { digestRowsOp } from './chain-rows.js';
import { ChainWriter, tableOfStatement } from './chain-writer.js';
import { openFileKeys, verifyWriterOpen } from './same-file.js';
import { MAX_SHARED, SharedVariants, sharedName, sharedSql, uniformMask } from './shared-columns.js';
import type { FromWriter, Op, RowsOp, ToWriter, WriterInit } from './writer-protocol.js';

const init = workerData as WriterInit;
const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);

// Proof that SQLite opened the files the main thread created, before anything runs in them.
const fdsBefore = openFileKeys();
const db = new Database(init.path, { fileMustExist: true });
verifyWriterOpen(db, fdsBefore, init.files);
// Set on every open: these do not persist in the file.
db.pragma(`synchronous = ${init.synchronous}`);
db.pragma('cache_size = -32768');
db.pragma('busy_timeout = 5000');
const statements = new Map<string, Database.Statement>();
// The integrity chain: every transaction below ends by chaining the rows it inserted (chain-writer.ts).
const chain = new ChainWriter(db);

/** CPU time of this thread in ms (Linux /proc, 10 ms ticks), for the benchmark; undefined elsewhere. */
function threadCpuMs(): number | undefined {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return undefined;
  }
}
const cpuAtStart = threadCpuMs();
/** CPU ms this thread spent since it started (opening, inserts, commits). */
function cpuSinceStart(): number | undefined {
  const now = threadCpuMs();
  return now === undefined || cpuAtStart === undefined ? undefined : now - cpuAtStart;
}
let full = false;

function stmt(sql: string): Database.Statement {
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
function fill(out: unknown[], plan: number[], ints: Float64Array, ib: number, strs: string[], raws: (number | Uint8Array)[], r: number): void {
  let o = fillAt;
  for (let c = 0; c < plan.length; c += 2) {
    const slot = plan[c];
    const x = plan[c + 1]!;
    if (slot === 0) {
      const v = ints[ib + x]!;
      out[o++] = v === v ? v : null;
    } else if (slot === 1) {
      const v = ints[ib + x]!;
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

/** Per lean k-row statement: its variants that bind a chunk's uniform columns once (shared-columns.ts). */
const variants = new Map<string, SharedVariants<Database.Statement>>();

function variantsOf(d: RowsOp['d']): SharedVariants<Database.Statement> {
  let v = variants.get(d.leanK);
  if (!v) {
    const cols = d.leanPlan.length / 2;
    variants.set(d.leanK, (v = new SharedVariants(stmt(d.leanK), (mask) => stmt(sharedSql(d.leanHead, cols, d.k, mask)))));
  }
  return v;
}

/**
 * Like fill() for the lean plan (no raw twins) of rows from..from+k-1,
 * leaving out the columns in `mask`, whose value (row from's) goes into
 * `shared` under its parameter name instead.
 */
function fillShared(out: unknown[], plan: number[], ints: Float64Array, slots: number, strs: string[], from: number, k: number, mask: number, shared: Record<string, unknown>): number {
  let o = 0;
  for (let r = from; r < from + k; r++) {
    const ib = r * slots;
    for (let c = 0, j = 0; c < plan.length; c += 2, j++) {
      const v = ints[ib + plan[c + 1]!]!;
      const value = v !== v ? null : plan[c] === 0 ? v : strs[v];
      if (j < MAX_SHARED && mask & (1 << j)) {
        if (r === from) shared[sharedName(j)] = value;
      } else out[o++] = value;
    }
  }
  return o;
}

/**
 * Inserts a columnar batch of one probe table, k rows per statement. A chunk
 * with no invalid UTF-8 (nearly all) uses the lean statement, which leaves
 * the NULL raw twins out of the column list: fewer values to bind per row;
 * its columns with one value in every row are bound once (shared-columns.ts).
 */
function runRows(op: RowsOp): number {
  const d = op.d;
  const { rows: n, ints, strs, raws } = op;
  const { k, slots, leanPlan, fullPlan } = d;
  const leanK = stmt(d.leanK);
  const fullK = raws.length ? stmt(d.fullK) : leanK;
  const chunkL: unknown[] = new Array((leanPlan.length / 2) * k);
  const chunkF: unknown[] = raws.length ? new Array((fullPlan.length / 2) * k) : chunkL;
  const oneL: unknown[] = new Array(leanPlan.length / 2);
  const oneF: unknown[] = new Array(fullPlan.length / 2);
  rawAt = 0;
  let i = 0;
  const shareable = k > 1 ? variantsOf(d) : undefined;
  const chunkS: unknown[] = [];
  for (; i + k <= n; i += k) {
    const withRaw = rawAt < raws.length && (raws[rawAt] as number) < i + k;
    if (!withRaw && shareable) {
      const [mask, s] = shareable.pick(uniformMask(ints, slots, leanPlan, i, k));
      if (mask !== 0) {
        const shared: Record<string, unknown> = {};
        chunkS.length = fillShared(chunkS, leanPlan, ints, slots, strs, i, k, mask, shared);
        s.run(shared, ...chunkS);
        continue;
      }
    }
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
function runOp(op: Op): number {
  if ('sql' in op) {
    const s = stmt(op.sql);
    if (s.reader) {
      // RETURNING id: a row written in place (an upsert); the chain covers it through chain_updates.
      const ids = s.raw(true).all(op.p ?? []) as [number][];
      const table = tableOfStatement(op.sql);
      if (table) chain.touch(table, ids.map((r) => r[0]));
    } else s.run(op.p ?? []);
    return 0;
  }
  // The chain's digest from the values bound (cheaper than reading the rows back); ids follow the table's last.
  const table = op.d.table;
  const fast = chain.enabled && chain.format === 2 && chain.sameLayout(table, op.d.columns);
  const first = fast ? chain.lastIdOf(table) + 1 : 0;
  const n = runRows(op);
  if (fast && chain.lastIdOf(table) === first + n - 1) {
    const d = digestRowsOp(op, first);
    if (d) chain.offer(table, first, first + n - 1, d);
  }
  return n;
}

const chainedBatch = db.transaction((ops: Op[], final?: { signKey?: string }) => {
  let rows = 0;
  for (const op of ops) rows += runOp(op);
  chain.append(final ? 'final' : 'batch');
  if (final) chain.writeManifest(final.signKey);
  return rows;
});

/** One transaction of `ops`, chained; with `final`, the stop batch and the manifest. */
function runBatch(ops: Op[], final?: { signKey?: string }): number {
  try {
    const rows = chainedBatch(ops, final);
    chain.commit();
    return rows;
  } catch (e) {
    chain.rollback();
    throw e;
  }
}

function isFull(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return !!err && (err.code === 'SQLITE_FULL' || err.code === 'ENOSPC' || /SQLITE_FULL|database or disk is full/.test(String(err.message)));
}

// Our own fd of the reserve (an unlinked file the main thread made): reopened through /proc so this
// thread closes only what it opened (Node warns otherwise) and the main thread can close its own.
let reserveFd = init.reserveFd >= 0 ? openSync(`/proc/self/fd/${init.reserveFd}`, 'r') : -1;

function releaseReserve(): void {
  try {
    // An fd of an unlinked file (capture-file.ts createReserve): closing it frees the space.
    const fd = reserveFd;
    reserveFd = -1;
    if (fd >= 0) closeSync(fd);
  } catch {
    // already gone
  }
}

function finish(msg: Extract<ToWriter, { t: 'finish' }>): void {
  let mode = 'wal';
  let error: string | undefined;
  let rows = 0;
  try {
    rows = runBatch(msg.ops, { signKey: msg.signKey });
    for (const sql of msg.final) db.exec(sql);
  } catch (e) {
    error = String((e as Error | undefined)?.message);
    if (isFull(e)) releaseReserve();
  }
  try {
    // One self-contained file: copying only the .db of a WAL capture loses rows.
    db.pragma('wal_checkpoint(TRUNCATE)');
    mode = String(db.pragma('journal_mode = DELETE', { simple: true }));
  } catch (e) {
    error ??= String((e as Error | undefined)?.message);
  }
  try {
    db.close();
  } catch {
    // closing is best effort; the data is committed
  }
  releaseReserve();
  send({ t: 'finished', mode, error, rows, cpuMs: cpuSinceStart() });
}

port.on('message', (msg: ToWriter) => {
  if (msg.t === 'finish') return finish(msg);
  if (full) return send({ t: 'ack', seq: msg.seq, rows: 0, lost: true });
  const started = performance.now();
  try {
    const rows = runBatch(msg.ops);
    send({ t: 'ack', seq: msg.seq, rows, ms: performance.now() - started, cpuMs: cpuSinceStart() });
  } catch (e) {
    if (isFull(e)) {
      full = true;
      // Room for the loss row, the stop record and the checkpoint.
      releaseReserve();
      send({ t: 'full', seq: msg.seq });
    } else {
      const err = e as { message?: string; code?: string } | undefined;
      send({ t: 'failed', seq: msg.seq, message: String(err?.message), code: err?.code });
    }
  }
});
send({ t: 'ready' });
