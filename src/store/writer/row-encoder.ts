import type { ByteString, TraceEvent } from '../../event/index.js';
import type { ProbeSpec } from '../../probes/index.js';
import { probeColumns, type ColumnSpec } from '../schema.js';

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

/** Where one table column's value comes from in a columnar batch (writer-protocol.ts RowsOp): an int slot, a string slot, or a raw twin. */
const Slot = { Int: 0, Str: 1, Raw: 2 } as const;

type EncodeFn = (e: TraceEvent, I: Float64Array, ib: number, R: (number | Uint8Array)[], row: number, M: Map<string, number>, L: string[]) => void;

/** Copies bytes out of whatever larger buffer they view (a clone of a view copies its whole buffer). */
function ownBytes(s: Uint8Array): Uint8Array {
  return new Uint8Array(s);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : v === null || v === undefined ? NaN : Number(v);
}

/**
 * Generated code: the index of string expression `s` in the batch's
 * dictionary (L, M), into slot `n`. The column's last string and its index
 * (P<n>, X<n>, reset with each new dictionary) answer first: in a burst a
 * column mostly repeats the row before's string, and an identity compare
 * is cheaper than a Map lookup.
 */
function internCode(s: string, n: number): string {
  return `if (${s} === P${n}) I[ib + ${n}] = X${n}; else { x = M.get(${s}); if (x === undefined) { x = L.length; L.push(${s}); M.set(${s}, x); } I[ib + ${n}] = x; P${n} = ${s}; X${n} = x; }`;
}

/**
 * Turns events of one probe into columnar rows (the writer's fast path). The
 * per-probe encoder is generated once from the column spec, so the hot loop
 * does plain property loads and typed-array stores, no lookups by name.
 */
export class RowEncoder {
  readonly columns: ColumnSpec[];
  /** Per column, in table order: [Slot, index] pairs (index of the row's slot in ints; for raw twins, the column position). */
  readonly plan: number[];
  /** Slots per row in ints (every column but the raw twins). */
  readonly slots: number;
  private readonly fn: EncodeFn;

  constructor(readonly probe: ProbeSpec) {
    this.columns = probeColumns(probe);
    const plan: number[] = [];
    const code: string[] = ['let v, a, t, x; const f = e.fields;'];
    let n = 0;
    this.columns.forEach((c, pos) => {
      if (c.kind === 'raw') {
        plan.push(Slot.Raw, pos);
        return;
      }
      const src = c.source;
      const get = 'header' in src ? `e[${JSON.stringify(src.header)}]` : 'field' in src ? `f[${JSON.stringify(src.field)}]` : 'null';
      if (c.kind === 'int') {
        plan.push(Slot.Int, n);
        code.push(`I[ib + ${n}] = num(${get});`);
        n++;
        return;
      }
      // The raw twin follows its text column (probeColumns guarantees it).
      const rawPos = this.columns[pos + 1]?.kind === 'raw' ? pos + 1 : -1;
      plan.push(Slot.Str, n);
      if (c.kind === 'argv')
        code.push(`v = ${get}; if (v === null || v === undefined) I[ib + ${n}] = NaN; else { a = argvValues(v); t = a[0]; ${internCode('t', n)} if (a[1] !== null) R.push(row, ${rawPos}, ownBytes(a[1])); }`);
      else
        code.push(`v = ${get}; if (typeof v === 'string') { ${internCode('v', n)} } else if (v === null || v === undefined) I[ib + ${n}] = NaN; else { t = textValue(v); ${internCode('t', n)} R.push(row, ${rawPos}, ownBytes(v)); }`);
      n++;
    });
    this.plan = plan;
    this.slots = n;
    // Each string slot's last string and index, valid for one dictionary (CL): a batch's.
    const last = [...Array(n).keys()].map((k) => `P${k}, X${k}`).join(', ');
    const reset = [...Array(n).keys()].map((k) => `P${k} = undefined;`).join(' ');
    // Code generated from the probe's own column spec (names JSON-quoted), never from event data.
    this.fn = new Function(
      'num',
      'textValue',
      'argvValues',
      'ownBytes',
      `let CL = null${n ? `, ${last}` : ''}; return function encode(e, I, ib, R, row, M, L) { if (L !== CL) { CL = L; ${reset} } ${code.join('\n')} };`,
    )(
      num,
      textValue,
      argvValues,
      ownBytes,
    ) as EncodeFn;
  }

  /**
   * Writes `e` as row `row` of a batch: its slots into `ints` (which must
   * have room), new strings into the dictionary (`dict`, `strs`), exact bytes
   * into `raws`.
   */
  encodeInto(e: TraceEvent, ints: Float64Array, raws: (number | Uint8Array)[], row: number, dict: Map<string, number>, strs: string[]): void {
    this.fn(e, ints, row * this.slots, raws, row, dict, strs);
  }

  /** Appends the row values of `e` to `out`, in column order (raw twins included). */
  encode(e: TraceEvent, out: unknown[]): void {
    const ints = new Float64Array(this.slots);
    const raws: (number | Uint8Array)[] = [];
    const strs: string[] = [];
    this.encodeInto(e, ints, raws, 0, new Map(), strs);
    for (let c = 0; c < this.plan.length; c += 2) {
      const slot = this.plan[c]!;
      const i = this.plan[c + 1]!;
      const v = ints[i]!;
      if (slot === Slot.Int) out.push(Number.isNaN(v) ? null : v);
      else if (slot === Slot.Str) out.push(Number.isNaN(v) ? null : strs[v]);
      else {
        const k = raws.findIndex((x, j) => j % 3 === 1 && x === i);
        out.push(k >= 0 ? Buffer.from(raws[k + 1] as Uint8Array) : null);
      }
    }
  }
}
