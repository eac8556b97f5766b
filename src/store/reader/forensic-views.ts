import { PROBES } from '../../probes/index.js';
import { ident } from '../schema.js';
import { lineageChainSql, summaries } from '../summaries.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * Ready-made views for common forensic questions, created as TEMP views in
 * the query connection (the capture itself is never modified, and captures
 * of any version get them). With several captures they are built over the
 * merged tables and keep `host`. A view named in `summarized` reads its
 * summary table (built at finalize, summaries.ts) instead of aggregating the
 * raw rows: the caller names only summaries it checked (usableSummaries) in
 * every capture of the query; the columns and the answer are the same.
 */
export function forensicViewsSql(merged: boolean, summarized: ReadonlySet<string> = NONE): string[] {
  const host = merged ? 'host, ' : '';
  const sameHost = (a: string, b: string) => (merged ? ` AND ${a}.host = ${b}.host` : '');
  const summaryOf = new Map(summaries().map((s) => [s.view, s]));
  const lineageFrom = summarized.has('lineage')
    ? `${ident(summaryOf.get('lineage')!.table)} c`
    : `(${lineageChainSql(merged)} SELECT * FROM chain) c`;
  return [
    // Every ancestor of every process lifetime, nearest first (depth 0 = itself).
    `CREATE TEMP VIEW lineage AS SELECT ${merged ? 'c.host, ' : ''}c.pid, c.start_ticks, c.depth, c.ancestor_pid, c.ancestor_start_ticks,
            a.comm AS ancestor_comm, a.exe AS ancestor_exe, a.argv AS ancestor_argv, a.uid AS ancestor_uid
     FROM ${lineageFrom} LEFT JOIN processes a ON a.pid = c.ancestor_pid AND a.start_ticks = c.ancestor_start_ticks${sameHost('a', 'c')}`,
    ...PROBES.flatMap((p) =>
      (p.facets?.forensicViews ?? []).map((v) => {
        const s = summaryOf.get(v.name);
        const select = s && summarized.has(v.name) ? `SELECT ${host}${s.columns.map(ident).join(', ')} FROM ${ident(s.table)}` : v.select(host, p.table);
        return `CREATE TEMP VIEW ${v.name} AS
     ${select}`;
      }),
    ),
  ];
}
