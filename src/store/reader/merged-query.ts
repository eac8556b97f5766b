import { basename } from 'node:path';
import { CaptureError } from '../errors.js';
import { forensicViewsSql } from './forensic-views.js';
import { coreTablesOf } from './migrations.js';
import type { CaptureReader, QueryResult } from './capture-reader.js';
import type { MergeSpec } from './query-protocol.js';
import { EVENTS_VIEW_COLUMNS, ident, probeColumns } from '../schema.js';
import { summaryTables } from '../summaries.js';

/**
 * The tables of one validated capture and their columns, from the schema the
 * reader checked (never by asking the capture): a table is in the union
 * exactly when validation found it, so a table that fails to read is an
 * error in the query, not a capture silently left out.
 */
function tablesOf(r: CaptureReader): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of coreTablesOf(r.schema.version)) out.set(t.name, t.columns.map((c) => c.name));
  for (const p of r.schema.probes) out.set(p.table, ['id', ...probeColumns(p).map((c) => c.name)]);
  for (const t of summaryTables()) if (r.schema.tables.has(t.name)) out.set(t.name, t.columns.map((c) => c.name));
  out.set('events', EVENTS_VIEW_COLUMNS.map((c) => c.name));
  return out;
}

/** The schema a capture has in the query connection: `main` for the first, `c1`, `c2`, ... for the others. */
function schemaOf(i: number): string {
  return i === 0 ? 'main' : `c${i}`;
}

/**
 * The SQL expression of a capture's `host` label: its hostname read by SQL
 * from its own capture row, or `web1 (b.db)` when two captures share a host
 * name. The file name is the user's own argument, quoted as a string literal;
 * no value read from a capture is ever pasted into SQL.
 */
function hostExprs(readers: CaptureReader[]): string[] {
  const names = readers.map((r) => r.hostname());
  return readers.map((r, i) => {
    const own = `(SELECT hostname FROM ${schemaOf(i)}.capture)`;
    return names.filter((n) => n === names[i]).length > 1 ? `${own} || ${sqlString(` (${basename(r.path)})`)}` : own;
  });
}

/**
 * How to query several captures as one: the first is opened read-only and
 * the others attached to it (read-only too), and a TEMP view per table unions
 * them with a `host` column; rows with a `ts` also get `wall_ns` from their
 * own capture's clock offset (read by SQL from that capture's validated
 * row), so times from different machines line up.
 */
export function mergeSpec(readers: CaptureReader[]): MergeSpec {
  const perCapture = readers.map(tablesOf);
  const hosts = hostExprs(readers);
  const tables = [...new Set(perCapture.flatMap((m) => [...m.keys()]))];
  const setup: string[] = [];
  for (const t of tables) {
    const parts: string[] = [];
    perCapture.forEach((m, i) => {
      const cols = m.get(t);
      if (!cols) return; // this capture never had the table (a probe it did not record)
      const s = schemaOf(i);
      const wall = cols.includes('ts') && !cols.includes('wall_ns') ? `, ${ident('ts')} + (SELECT clock_offset_ns FROM ${s}.capture) AS wall_ns` : '';
      parts.push(`SELECT ${hosts[i]} AS host, ${cols.map(ident).join(', ')}${wall} FROM ${s}.${ident(t)}`);
    });
    if (parts.length) setup.push(`CREATE TEMP VIEW ${ident(t)} AS ${parts.join(' UNION ALL ')}`);
  }
  // A view reads its summary only when every capture has it complete; otherwise all aggregate raw rows.
  const summarized = new Set([...readers[0]!.summarized].filter((v) => readers.every((r) => r.summarized.has(v))));
  setup.push(...forensicViewsSql(true, summarized));
  return { main: readers[0]!.dbPath, attach: readers.slice(1).map((r, i) => ({ alias: schemaOf(i + 1), path: r.dbPath })), setup };
}

/** Runs one read-only statement over several captures merged (see mergeSpec). */
export async function queryCaptures(readers: CaptureReader[], sql: string, opts: { timeoutMs?: number; maxRows?: number; inProcess?: boolean } = {}): Promise<QueryResult> {
  if (readers.length === 0) throw new CaptureError('no capture to query', 'QUERY');
  return readers[0]!.query(sql, { ...opts, merge: mergeSpec(readers) });
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
