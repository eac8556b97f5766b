import { isUtf8 } from 'node:buffer';
import { splitNul, type ByteString, type FieldValue, type TraceEvent } from '../../event/index.js';
import type { ProbeSpec } from '../../probes/index.js';

const utf8 = new TextDecoder('utf-8');

/** Back from storage: the text, or the exact bytes when a raw twin is present. */
export function byteStringOf(text: unknown, raw: unknown): ByteString | null {
  if (raw instanceof Uint8Array) return isUtf8(raw) ? utf8.decode(raw) : new Uint8Array(raw);
  if (text === null || text === undefined) return null;
  return typeof text === 'string' ? text : String(text);
}

/**
 * argv back from storage. Text that is not a JSON array (a damaged or hostile
 * capture) comes back as one word holding the stored text, shown escaped like
 * any other: never a parse error that would quote it raw.
 */
export function argvOf(text: unknown, raw: unknown): ByteString[] | null {
  if (raw instanceof Uint8Array) return splitNul(raw);
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') return [String(text)];
  try {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v)) return v.map((a) => (typeof a === 'string' ? a : JSON.stringify(a) ?? String(a)));
  } catch {
    // not JSON: the stored text as it is
  }
  return [text];
}

/**
 * An INTEGER column's value as a number. SQLite keeps whatever a hostile
 * capture put in the column (text, a blob): such a value becomes NaN, which
 * every screen shows as `NaN`, so no byte of it reaches a terminal as if it
 * were a pid or a port. `ebpfsh query` still shows the stored value, escaped.
 */
export function intOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

/** intOf, keeping NULL as null. */
export function intOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : intOf(v);
}

/** Rebuilds a TraceEvent from a probe table row (as better-sqlite3 returns it); INTEGER columns always come back as numbers (see intOf). */
export function eventFromRow(probe: ProbeSpec, row: Record<string, unknown>): TraceEvent {
  const fields: Record<string, FieldValue> = {};
  for (const f of probe.fields) {
    if (f.type === 'int') fields[f.name] = intOrNull(row[f.name]);
    else if (f.type === 'argv') fields[f.name] = argvOf(row[f.name], row[`${f.name}_raw`]);
    else fields[f.name] = byteStringOf(row[f.name], row[`${f.name}_raw`]);
  }
  return {
    ts: intOf(row.ts),
    kind: intOf(row.kind),
    pid: intOf(row.pid),
    tid: intOf(row.tid),
    ppid: intOf(row.ppid),
    uid: intOf(row.uid),
    gid: intOf(row.gid),
    cgroup: intOf(row.cgroup),
    pidns: intOf(row.pidns),
    nspid: intOf(row.nspid),
    comm: byteStringOf(row.comm, row.comm_raw) ?? '',
    probe: probe.name,
    fields,
  };
}
