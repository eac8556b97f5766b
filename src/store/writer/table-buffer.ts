import type { TraceEvent } from '../../event/index.js';
import { PROBES } from '../../probes/index.js';
import { ident, sqlType } from '../schema.js';
import { RowEncoder } from './row-encoder.js';
import type { RowsOp, TableDesc } from './writer-protocol.js';

const MULTI_ROWS = 32;
const FIRST_CAPACITY = 1024;

/** One probe table's rows waiting for the next batch. */
class TableBuf {
  /** Row capacity of ints. */
  cap = FIRST_CAPACITY;
  ints: Float64Array;
  /** This batch's distinct strings, and their indexes. */
  strs: string[] = [];
  dict = new Map<string, number>();
  raws: (number | Uint8Array)[] = [];
  rows = 0;

  constructor(
    readonly probe: string,
    readonly enc: RowEncoder,
    readonly d: TableDesc,
  ) {
    this.ints = new Float64Array(FIRST_CAPACITY * enc.slots);
  }

  /** Encodes one event of this probe as the next row. */
  add(e: TraceEvent): void {
    if (this.rows === this.cap) grow(this);
    this.enc.encodeInto(e, this.ints, this.raws, this.rows++, this.dict, this.strs);
  }
}

/** What take() hands to the writer: one RowsOp per table with rows, their buffers to transfer, rows per probe. */
export interface TakenRows {
  ops: RowsOp[];
  transfer: ArrayBuffer[];
  byProbe: Map<string, number>;
}

/** The insert statements and column plans of a probe table, from its column spec (k rows per statement). */
function tableDesc(table: string, enc: RowEncoder): TableDesc {
  // Many rows per statement amortise the per-call cost; keep under SQLite's 32766 variables.
  const k = Math.max(1, Math.min(MULTI_ROWS, Math.floor(32766 / enc.columns.length)));
  const statements = (cols: typeof enc.columns) => {
    const head = `INSERT INTO ${ident(table)} (${cols.map((c) => ident(c.name)).join(', ')}) VALUES `;
    const ph = `(${cols.map(() => '?').join(', ')})`;
    return [head + ph, head + Array(k).fill(ph).join(', '), head] as const;
  };
  const [full1, fullK] = statements(enc.columns);
  const [lean1, leanK, leanHead] = statements(enc.columns.filter((c) => c.kind !== 'raw'));
  const leanPlan: number[] = [];
  for (let c = 0; c < enc.plan.length; c += 2) if (enc.columns[c / 2]!.kind !== 'raw') leanPlan.push(enc.plan[c]!, enc.plan[c + 1]!);
  return { table, columns: enc.columns.map((c) => `${c.name}:${sqlType(c.kind)}`), lean1, leanK, full1, fullK, leanHead, k, slots: enc.slots, leanPlan, fullPlan: enc.plan };
}

/**
 * The columnar rows of every probe table waiting for the next batch: events
 * are encoded into a Float64Array per table (handed to the writer thread by
 * transfer, not copied) and a per-batch string dictionary.
 */
export class TableBuffers {
  private readonly tables = new Map<string, TableBuf>();

  /** The buffer of probe `name`'s table (undefined for a probe this build does not know): add() each event to it. */
  of(name: string): { add(e: TraceEvent): void } | undefined {
    return this.table(name);
  }

  /** Everything waiting, as RowsOps; the buffers start over empty. */
  take(): TakenRows {
    const ops: RowsOp[] = [];
    const transfer: ArrayBuffer[] = [];
    const byProbe = new Map<string, number>();
    for (const t of this.tables.values()) {
      if (!t.rows) continue;
      ops.push({ d: t.d, rows: t.rows, ints: t.ints, strs: t.strs, raws: t.raws });
      transfer.push(t.ints.buffer as ArrayBuffer);
      byProbe.set(t.probe, t.rows);
      reset(t);
    }
    return { ops, transfer, byProbe };
  }

  /** Drops everything waiting (the writer failed); returns the rows dropped per probe, to be counted. */
  discard(): Map<string, number> {
    const byProbe = new Map<string, number>();
    for (const t of this.tables.values()) {
      if (t.rows) byProbe.set(t.probe, t.rows);
      reset(t);
    }
    return byProbe;
  }

  private table(probeName: string): TableBuf | undefined {
    let t = this.tables.get(probeName);
    if (t) return t;
    const probe = PROBES.find((p) => p.name === probeName);
    if (!probe) return undefined;
    const enc = new RowEncoder(probe);
    t = new TableBuf(probeName, enc, tableDesc(probe.table, enc));
    this.tables.set(probeName, t);
    return t;
  }
}

/** Doubles a table buffer's room for integer columns. */
function grow(t: TableBuf): void {
  const ints = new Float64Array(t.cap * 2 * t.enc.slots);
  ints.set(t.ints);
  t.ints = ints;
  t.cap *= 2;
}

/** Empties a table buffer (its ints were handed to the writer, or are dropped); room as the last batch needed. */
function reset(t: TableBuf): void {
  let cap = FIRST_CAPACITY;
  while (cap < t.rows) cap *= 2;
  t.cap = cap;
  t.ints = new Float64Array(t.cap * t.enc.slots);
  t.strs = [];
  t.dict = new Map();
  t.raws = [];
  t.rows = 0;
}
