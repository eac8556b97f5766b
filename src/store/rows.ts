import { isUtf8 } from 'node:buffer';
import { PROBES, splitNul, type ByteString, type FieldValue, type ProbeSpec, type TraceEvent } from '../probes/index.js';
import { probeColumns, type ColumnSpec } from './schema.js';

const utf8 = new TextDecoder('utf-8');

/** Text column value of a ByteString: the string, or a lossy copy when it is bytes. */
export function textValue(s: ByteString | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  return typeof s === 'string' ? s : utf8.decode(s);
}

/** Raw twin of a ByteString: its exact bytes when not valid UTF-8, else null. */
export function rawValue(s: ByteString | null | undefined): Buffer | null {
  if (!(s instanceof Uint8Array)) return null;
  // A copy: a view would take its whole underlying buffer along to the writer thread.
  const c = new Uint8Array(s);
  return Buffer.from(c.buffer, 0, c.byteLength);
}

/** argv as stored: JSON array text (lossy where bytes are invalid) and, when any is, the exact NUL-terminated bytes. */
export function argvValues(argv: ByteString[] | null | undefined): [string | null, Buffer | null] {
  if (!argv) return [null, null];
  let anyRaw = false;
  const text = argv.map((a) => {
    if (typeof a === 'string') return a;
    anyRaw = true;
    return utf8.decode(a);
  });
  if (!anyRaw) return [JSON.stringify(text), null];
  const parts: Buffer[] = [];
  for (const a of argv) parts.push(typeof a === 'string' ? Buffer.from(a, 'utf8') : Buffer.from(a), Buffer.of(0));
  return [JSON.stringify(text), Buffer.concat(parts)];
}

/** Back from storage: the text, or the exact bytes when a raw twin is present. */
export function byteStringOf(text: unknown, raw: unknown): ByteString | null {
  if (raw instanceof Uint8Array) return isUtf8(raw) ? utf8.decode(raw) : new Uint8Array(raw);
  if (text === null || text === undefined) return null;
  return typeof text === 'string' ? text : String(text);
}

/** argv back from storage. */
export function argvOf(text: unknown, raw: unknown): ByteString[] | null {
  if (raw instanceof Uint8Array) return splitNul(raw);
  if (typeof text !== 'string') return null;
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? v.map(String) : null;
}

/** Where one table column's value comes from in a columnar batch: an int slot, a string slot, or a raw twin. */
export const Slot = { Int: 0, Str: 1, Raw: 2 } as const;

/**
 * Rows of one probe table, columnar, as handed to the writer thread: every
 * INTEGER column in `ints` (a transferable Float64Array, NaN for NULL), every
 * TEXT/argv column in `strs`, and the rare exact bytes of invalid UTF-8 in
 * `raws` (row, column position, bytes; in row order). Transferring the
 * ArrayBuffer and cloning a flat string array costs a fraction of cloning an
 * array of mixed row values.
 */
export interface ColumnarRows {
  rows: number;
  ints: Float64Array;
  strs: (string | null)[];
  raws: (number | Uint8Array)[];
}

type EncodeFn = (e: TraceEvent, I: Float64Array, ib: number, S: (string | null)[], sb: number, R: (number | Uint8Array)[], row: number) => void;

/** Copies bytes out of whatever larger buffer they view (a clone of a view copies its whole buffer). */
function ownBytes(s: Uint8Array): Uint8Array {
  return new Uint8Array(s);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v);
}

/**
 * Turns events of one probe into columnar rows (the writer's fast path). The
 * per-probe encoder is generated once from the column spec, so the hot loop
 * does plain property loads and typed-array stores, no lookups by name.
 */
export class RowEncoder {
  readonly columns: ColumnSpec[];
  /** Per column, in table order: [Slot, index] pairs (index into a row's ints or strs; for raw twins, the column position). */
  readonly plan: number[];
  /** INTEGER slots per row. */
  readonly nInt: number;
  /** TEXT slots per row. */
  readonly nStr: number;
  private readonly fn: EncodeFn;

  constructor(readonly probe: ProbeSpec) {
    this.columns = probeColumns(probe);
    const plan: number[] = [];
    const code: string[] = ['let v, a; const f = e.fields;'];
    let ni = 0;
    let ns = 0;
    this.columns.forEach((c, pos) => {
      if (c.kind === 'raw') {
        plan.push(Slot.Raw, pos);
        return;
      }
      const src = c.source;
      const get = 'header' in src ? `e[${JSON.stringify(src.header)}]` : 'field' in src ? `f[${JSON.stringify(src.field)}]` : 'null';
      if (c.kind === 'int') {
        plan.push(Slot.Int, ni);
        code.push(`I[ib + ${ni}] = num(${get});`);
        ni++;
        return;
      }
      // The raw twin follows its text column (probeColumns guarantees it).
      const rawPos = this.columns[pos + 1]?.kind === 'raw' ? pos + 1 : -1;
      plan.push(Slot.Str, ns);
      if (c.kind === 'argv')
        code.push(`v = ${get}; if (v === null || v === undefined) S[sb + ${ns}] = null; else { a = argvValues(v); S[sb + ${ns}] = a[0]; if (a[1] !== null) R.push(row, ${rawPos}, ownBytes(a[1])); }`);
      else
        code.push(`v = ${get}; if (typeof v === 'string') S[sb + ${ns}] = v; else if (v === null || v === undefined) S[sb + ${ns}] = null; else { S[sb + ${ns}] = textValue(v); R.push(row, ${rawPos}, ownBytes(v)); }`);
      ns++;
    });
    this.plan = plan;
    this.nInt = ni;
    this.nStr = ns;
    // Code generated from the probe's own column spec (names JSON-quoted), never from event data.
    this.fn = new Function('num', 'textValue', 'argvValues', 'ownBytes', `return function encode(e, I, ib, S, sb, R, row) { ${code.join('\n')} };`)(
      num,
      textValue,
      argvValues,
      ownBytes,
    ) as EncodeFn;
  }

  /** Appends `e` as row `row` of a batch whose arrays have room for it. */
  encodeInto(e: TraceEvent, ints: Float64Array, strs: (string | null)[], raws: (number | Uint8Array)[], row: number): void {
    this.fn(e, ints, row * this.nInt, strs, row * this.nStr, raws, row);
  }

  /** Appends the row values of `e` to `out`, in column order (raw twins included). */
  encode(e: TraceEvent, out: unknown[]): void {
    const ints = new Float64Array(this.nInt);
    const strs: (string | null)[] = new Array(this.nStr);
    const raws: (number | Uint8Array)[] = [];
    this.encodeInto(e, ints, strs, raws, 0);
    for (let c = 0; c < this.plan.length; c += 2) {
      const slot = this.plan[c]!;
      const i = this.plan[c + 1]!;
      if (slot === Slot.Int) out.push(Number.isNaN(ints[i]) ? null : ints[i]!);
      else if (slot === Slot.Str) out.push(strs[i]);
      else {
        const k = raws.findIndex((x, j) => j % 3 === 1 && x === i);
        out.push(k >= 0 ? Buffer.from(raws[k + 1] as Uint8Array) : null);
      }
    }
  }
}

function intValue(v: FieldValue | undefined): number | null {
  return typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v);
}

/** Rebuilds a TraceEvent from a probe table row (as better-sqlite3 returns it). */
export function eventFromRow(probe: ProbeSpec, row: Record<string, unknown>): TraceEvent {
  const fields: Record<string, FieldValue> = {};
  for (const f of probe.fields) {
    if (f.type === 'int') fields[f.name] = (row[f.name] as number | null) ?? null;
    else if (f.type === 'argv') fields[f.name] = argvOf(row[f.name], row[`${f.name}_raw`]);
    else fields[f.name] = byteStringOf(row[f.name], row[`${f.name}_raw`]);
  }
  return {
    ts: row.ts as number,
    kind: row.kind as number,
    pid: row.pid as number,
    tid: row.tid as number,
    ppid: row.ppid as number,
    uid: row.uid as number,
    gid: row.gid as number,
    cgroup: row.cgroup as number,
    pidns: row.pidns as number,
    nspid: row.nspid as number,
    comm: byteStringOf(row.comm, row.comm_raw) ?? '',
    probe: probe.name,
    fields,
  };
}

/** The probe whose table is `table`. */
export function probeOfTable(table: string): ProbeSpec | undefined {
  return PROBES.find((p) => p.table === table);
}
