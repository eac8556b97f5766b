import { basename } from 'node:path';
import { CaptureError } from './errors.js';
import { forensicViewsSql } from './forensic-views.js';
import type { CaptureReader, MergeSpec, QueryResult } from './reader.js';
import { ident } from './schema.js';

const CORE = ['capture', 'journal', 'losses', 'notes', 'processes'];

/** `web1`, or `web1 (b.db)` when two captures share a host name. */
function hostLabels(readers: CaptureReader[]): string[] {
  const names = readers.map((r) => r.info().hostname);
  return names.map((n, i) => (names.filter((m) => m === n).length > 1 ? `${n} (${basename(readers[i]!.path)})` : n));
}

async function columnsOf(r: CaptureReader, table: string): Promise<string[] | undefined> {
  try {
    return (await r.query(`SELECT * FROM ${ident(table)} LIMIT 0`)).columns;
  } catch {
    return undefined; // this capture has no such table
  }
}

/**
 * How to query several captures as one: each is attached read-only, and a
 * TEMP view per table unions them with a `host` column; rows with a `ts`
 * also get `wall_ns` from their own capture's clock offset, so times from
 * different machines line up.
 */
export async function mergeSpec(readers: CaptureReader[]): Promise<MergeSpec> {
  const hosts = hostLabels(readers);
  const tables = [...CORE, ...new Set(readers.flatMap((r) => r.schema.probes.map((p) => p.table))), 'events'];
  const setup: string[] = [];
  for (const t of tables) {
    const parts: string[] = [];
    for (const [i, r] of readers.entries()) {
      const cols = await columnsOf(r, t);
      if (!cols) continue;
      const offset = r.info().clockOffsetNs;
      const wall = cols.includes('ts') && !cols.includes('wall_ns') ? `, ${ident('ts')} + ${offset} AS wall_ns` : '';
      parts.push(`SELECT ${sqlString(hosts[i]!)} AS host, ${cols.map(ident).join(', ')}${wall} FROM c${i}.${ident(t)}`);
    }
    if (parts.length) setup.push(`CREATE TEMP VIEW ${ident(t)} AS ${parts.join(' UNION ALL ')}`);
  }
  setup.push(...forensicViewsSql(true));
  return { attach: readers.map((r, i) => ({ alias: `c${i}`, path: r.dbPath })), setup };
}

/** Runs one read-only statement over several captures merged (see mergeSpec). */
export async function queryCaptures(readers: CaptureReader[], sql: string, opts: { timeoutMs?: number; maxRows?: number } = {}): Promise<QueryResult> {
  if (readers.length === 0) throw new CaptureError('no capture to query', 'QUERY');
  return readers[0]!.query(sql, { ...opts, merge: await mergeSpec(readers) });
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
