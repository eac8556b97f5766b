import { createHash } from 'node:crypto';
import type { RangeDigest } from '../chain-encoding.js';
import type { RowsOp } from './writer-protocol.js';

/*
 * The chain's digest of a columnar batch, computed from the values the
 * writer bound rather than read back from SQLite (reading back doubled the
 * writer's cost per row). It must produce exactly the canonical text SQLite
 * does (chain-encoding.ts rowExprSql); where that is not certain (a number
 * SQLite would store as a REAL, or beyond 2^53), it declines and the writer
 * reads the rows back instead. Verification always reads back.
 */

const MAX_EXACT = 2 ** 53;
const HEX_CHUNK = 1 << 16;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Uppercase hex of bytes, as SQLite's hex(). */
function hexUpper(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex').toUpperCase();
}

/**
 * The digest of `op`'s rows as inserted with ids `firstId`.., or undefined
 * when a value is one whose canonical text only SQLite can give. `plan` is
 * the full plan (every column, raw twins included) in table order.
 */
export function digestRowsOp(op: RowsOp, firstId: number): RangeDigest | undefined {
  const { d, rows: n, ints, strs, raws } = op;
  const plan = d.fullPlan;
  const tsAt = d.columns.indexOf('ts:INTEGER');
  const tsSlot = tsAt >= 0 && plan[tsAt * 2] === 0 ? plan[tsAt * 2 + 1]! : -1;
  const strText: (string | undefined)[] = new Array(strs.length);
  const h = createHash('sha256').update(`${d.table}\n`);
  let out = '';
  let rawAt = 0;
  let tsMin: number | null = null;
  let tsMax: number | null = null;
  // The text of the last value of each column: most columns repeat from row to row (pid, uid, comm, ...).
  const cols = plan.length / 2;
  const lastV = new Float64Array(cols).fill(NaN);
  const lastT: string[] = new Array(cols).fill(',NULL');
  for (let r = 0; r < n; r++) {
    const ib = r * d.slots;
    out += firstId + r;
    for (let c = 0; c < cols; c++) {
      const slot = plan[2 * c];
      const x = plan[2 * c + 1]!;
      if (slot === 2) {
        if (rawAt < raws.length && raws[rawAt] === r && raws[rawAt + 1] === x) {
          out += ",X'" + hexUpper(raws[rawAt + 2] as Uint8Array) + "'";
          rawAt += 3;
        } else out += ',NULL';
        continue;
      }
      const v = ints[ib + x]!;
      if (v === lastV[c]) {
        out += lastT[c];
        continue;
      }
      let t: string;
      if (v !== v) t = ',NULL';
      else if (slot === 0) {
        if (!Number.isInteger(v) || v <= -MAX_EXACT || v >= MAX_EXACT) return undefined;
        t = ',' + (v === 0 ? '0' : String(v));
      } else {
        let hex = strText[v];
        if (hex === undefined) {
          const str = strs[v]!;
          // A lone surrogate reaches SQLite as its own 3 bytes (WTF-8), not U+FFFD: let SQLite say.
          if (LONE_SURROGATE.test(str)) return undefined;
          hex = strText[v] = hexUpper(Buffer.from(str, 'utf8'));
        }
        t = ',T' + hex;
      }
      lastV[c] = v;
      lastT[c] = t;
      out += t;
    }
    out += '\n';
    if (out.length >= HEX_CHUNK) {
      h.update(out);
      out = '';
    }
    if (tsSlot >= 0) {
      const t = ints[ib + tsSlot]!;
      if (t === t) {
        if (tsMin === null || t < tsMin) tsMin = t;
        if (tsMax === null || t > tsMax) tsMax = t;
      }
    }
  }
  if (out) h.update(out);
  return { digest: h.digest('hex'), rows: n, tsMin, tsMax };
}
