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
  return s instanceof Uint8Array ? Buffer.from(s.buffer, s.byteOffset, s.byteLength) : null;
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

/** Turns events of one probe into flat row values in column order (fast path for the writer). */
export class RowEncoder {
  readonly columns: ColumnSpec[];
  private readonly plan: ((e: TraceEvent, out: unknown[]) => void)[];

  constructor(readonly probe: ProbeSpec) {
    this.columns = probeColumns(probe);
    // A closure per text/argv column pair so the hot loop does no lookups by name.
    this.plan = [];
    for (const c of this.columns) {
      if (c.kind === 'raw') continue;
      const src = c.source;
      if ('header' in src) {
        const key = src.header as keyof TraceEvent;
        if (c.kind === 'text') this.plan.push((e, out) => out.push(textValue(e[key] as ByteString), rawValue(e[key] as ByteString)));
        else this.plan.push((e, out) => out.push(e[key] as number));
      } else if ('field' in src) {
        const key = src.field;
        if (c.kind === 'argv') this.plan.push((e, out) => out.push(...argvValues(e.fields[key] as ByteString[] | null)));
        else if (c.kind === 'text') this.plan.push((e, out) => out.push(textValue(e.fields[key] as ByteString | null), rawValue(e.fields[key] as ByteString | null)));
        else this.plan.push((e, out) => out.push(intValue(e.fields[key])));
      }
    }
  }

  /** Appends the row values of `e` to `out`. */
  encode(e: TraceEvent, out: unknown[]): void {
    for (const p of this.plan) p(e, out);
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
