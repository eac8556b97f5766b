import { createHash, type Hash } from 'node:crypto';
import { TAG, tablePrefix, type RangeDigest } from '../chain-encoding.js';
import type { RowsOp } from './writer-protocol.js';

/*
 * The chain's digest of a columnar batch, computed from the values the
 * writer bound rather than read back from SQLite (reading back doubled the
 * writer's cost per row). It must produce exactly the bytes of chain-2's
 * encoding of the rows SQLite stored (chain-encoding.ts rowExprSql); where
 * that is not certain (a number SQLite would store as a REAL, or beyond
 * 2^53, a string with a lone surrogate), it declines and the writer reads
 * the rows back instead. Verification always reads back.
 *
 * The bytes go into one reused buffer with typed writes, one hash update
 * per ~256 KiB: each distinct string of the batch is encoded once (tag,
 * length, UTF-8) into a pool and copied from there per row. A row whose
 * strings and NULLs are those of the row before (a storm: the same comm and
 * path, only ts and a few ints change) is a copy of the previous row's bytes
 * with its id and changed integers written over: every integer encodes to
 * the same 9 bytes wherever it is, so the layout is the same.
 */

const MAX_EXACT = 2 ** 53;
const TWO_32 = 2 ** 32;
const OUT_BYTES = 1 << 18;
/** Room always left for one value without its bytes (tag + length, or tag + 8 bytes). */
const VALUE_HEAD = 9;

const out = Buffer.allocUnsafe(OUT_BYTES);
const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
let pool = Buffer.allocUnsafe(1 << 16);
/** Flushes so far: a row whose bytes were not all in the output buffer at once is no template. */
let flushes = 0;

/** Feeds the first `o` bytes of the output buffer to the hash; returns the new write position (0). */
function flush(h: Hash, o: number): number {
  flushes++;
  if (o > 0) h.update(out.subarray(0, o));
  return 0;
}

/** Grows the string pool to hold at least `need` bytes, keeping its first `used`. */
function growPool(need: number, used: number): void {
  let size = pool.length;
  while (size < need) size *= 2;
  const next = Buffer.allocUnsafe(size);
  pool.copy(next, 0, 0, used);
  pool = next;
}

/** Copies `len` bytes from `src` at `from` into the output at `o` (a loop for the short values most are: cheaper than a native call). */
function copyIn(src: Buffer, from: number, len: number, o: number): void {
  if (len > 160) src.copy(out, o, from, from + len);
  else for (let k = 0; k < len; k++) out[o + k] = src[from + k]!;
}

/**
 * The digest of `op`'s rows as inserted with ids `firstId`.., or undefined
 * when a value is one whose encoding only SQLite can give. `plan` is the
 * full plan (every column, raw twins included) in table order.
 */
export function digestRowsOp(op: RowsOp, firstId: number): RangeDigest | undefined {
  const { d, rows: n, ints, strs, raws } = op;
  const plan = d.fullPlan;
  const tsAt = d.columns.indexOf('ts:INTEGER');
  const tsSlot = tsAt >= 0 && plan[tsAt * 2] === 0 ? plan[tsAt * 2 + 1]! : -1;
  // Where each distinct string's encoding is in the pool (-1: not encoded yet), and its length there.
  const strAt = new Int32Array(strs.length).fill(-1);
  const strLen = new Int32Array(strs.length);
  let poolUsed = 0;
  const h = createHash('sha256').update(tablePrefix(d.table, 2));
  let o = 0;
  let rawAt = 0;
  const cols = plan.length / 2;
  // A row without its strings and blobs: the id and each column's head.
  const rowHead = VALUE_HEAD * (cols + 1);
  // The template: the last row whose bytes are all in `out` at tplAt (tplLen of them, 0: none), each column's offset in it.
  let tplAt = 0;
  let tplLen = 0;
  let tplBase = 0;
  const colAt = new Int32Array(cols);
  for (let r = 0; r < n; r++) {
    const ib = r * d.slots;
    const id = firstId + r;
    if (tplLen > 0 && !(rawAt < raws.length && raws[rawAt] === r) && sameLayout(plan, ints, tplBase, ib)) {
      if (o + tplLen > OUT_BYTES) o = flush(h, o); // the template's bytes stay where they are in `out`
      out.copyWithin(o, tplAt, tplAt + tplLen);
      view.setInt32(o + 1, Math.floor(id / TWO_32));
      view.setUint32(o + 5, id % TWO_32);
      for (let c = 0; c < cols; c++) {
        if (plan[2 * c] !== 0) continue;
        const x = plan[2 * c + 1]!;
        const v = ints[ib + x]!;
        if (v === ints[tplBase + x] || v !== v) continue; // unchanged, or NULL in both (sameLayout)
        if (!Number.isInteger(v) || v <= -MAX_EXACT || v >= MAX_EXACT) return undefined;
        const hi = Math.floor(v / TWO_32);
        view.setInt32(o + colAt[c]! + 1, hi);
        view.setUint32(o + colAt[c]! + 5, v - hi * TWO_32);
      }
      tplAt = o;
      tplBase = ib;
      o += tplLen;
      continue;
    }
    if (o + rowHead > OUT_BYTES) o = flush(h, o);
    const rowAt = o;
    const flushesBefore = flushes;
    let rowRaw = false;
    out[o] = TAG.INTEGER;
    view.setInt32(o + 1, Math.floor(id / TWO_32));
    view.setUint32(o + 5, id % TWO_32);
    o += 9;
    for (let c = 0; c < cols; c++) {
      const slot = plan[2 * c];
      const x = plan[2 * c + 1]!;
      colAt[c] = o - rowAt;
      if (slot === 2) {
        if (rawAt < raws.length && raws[rawAt] === r && raws[rawAt + 1] === x) {
          const b = raws[rawAt + 2] as Uint8Array;
          rawAt += 3;
          rowRaw = true;
          if (o + 5 + b.length > OUT_BYTES) o = flush(h, o);
          out[o] = TAG.BLOB;
          view.setUint32(o + 1, b.length);
          o += 5;
          if (b.length > OUT_BYTES - o) {
            h.update(out.subarray(0, o));
            h.update(b);
            o = 0;
          } else {
            out.set(b, o);
            o += b.length;
          }
        } else out[o++] = TAG.NULL;
        if (o + rowHead > OUT_BYTES) o = flush(h, o);
        continue;
      }
      const v = ints[ib + x]!;
      if (v !== v) {
        out[o++] = TAG.NULL;
        continue;
      }
      if (slot === 0) {
        if (!Number.isInteger(v) || v <= -MAX_EXACT || v >= MAX_EXACT) return undefined;
        const hi = Math.floor(v / TWO_32);
        out[o] = TAG.INTEGER;
        view.setInt32(o + 1, hi);
        view.setUint32(o + 5, v - hi * TWO_32);
        o += 9;
        continue;
      }
      let at = strAt[v]!;
      if (at < 0) {
        const s = strs[v]!;
        // A lone surrogate reaches SQLite as its own 3 bytes (WTF-8), not U+FFFD: let SQLite say.
        if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) return undefined;
        if (poolUsed + 5 + s.length * 3 > pool.length) growPool(poolUsed + 5 + s.length * 3, poolUsed);
        const len = pool.write(s, poolUsed + 5, 'utf8');
        pool[poolUsed] = TAG.TEXT;
        pool.writeUInt32BE(len, poolUsed + 1);
        strAt[v] = at = poolUsed;
        strLen[v] = len + 5;
        poolUsed += len + 5;
      }
      const len = strLen[v]!;
      if (len > OUT_BYTES - o) {
        o = flush(h, o);
        if (len > OUT_BYTES) {
          h.update(pool.subarray(at, at + len));
          rowRaw = true; // not all in `out`: no template
          continue;
        }
      }
      copyIn(pool, at, len, o);
      o += len;
      if (o + rowHead > OUT_BYTES) o = flush(h, o);
    }
    if (!rowRaw && flushes === flushesBefore) {
      tplAt = rowAt;
      tplLen = o - rowAt;
      tplBase = ib;
    } else tplLen = 0;
  }
  flush(h, o);
  return { digest: h.digest('hex'), rows: n, ...tsRange(ints, d.slots, n, tsSlot) };
}

/** The smallest and largest ts of a batch's rows (null when none has one). */
function tsRange(ints: Float64Array, slots: number, n: number, tsSlot: number): { tsMin: number | null; tsMax: number | null } {
  let tsMin: number | null = null;
  let tsMax: number | null = null;
  if (tsSlot >= 0)
    for (let r = 0; r < n; r++) {
      const t = ints[r * slots + tsSlot]!;
      if (t !== t) continue;
      if (tsMin === null || t < tsMin) tsMin = t;
      if (tsMax === null || t > tsMax) tsMax = t;
    }
  return { tsMin, tsMax };
}

/**
 * Whether the row at `ib` encodes to the same layout as the row at `pb`:
 * the same string (or NULL) in every text column, NULL in the same integer
 * columns. Raw twins are left to the caller (neither row may have one).
 */
function sameLayout(plan: number[], ints: Float64Array, pb: number, ib: number): boolean {
  for (let c = 0; c < plan.length; c += 2) {
    const slot = plan[c];
    if (slot === 2) continue;
    const x = plan[c + 1]!;
    const v = ints[ib + x]!;
    const w = ints[pb + x]!;
    if (v === w || (v !== v && w !== w)) continue;
    // Two different integers: same layout; NULL against a value, or another string: not.
    if (slot !== 0 || v !== v || w !== w) return false;
  }
  return true;
}
