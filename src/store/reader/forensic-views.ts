import { PROBES } from '../../probes/index.js';

/**
 * Ready-made views for common forensic questions, created as TEMP views in
 * the query connection (the capture itself is never modified, and captures
 * of any version get them). With several captures they are built over the
 * merged tables and keep `host`.
 */
export function forensicViewsSql(merged: boolean): string[] {
  const host = merged ? 'host, ' : '';
  const sameHost = (a: string, b: string) => (merged ? ` AND ${a}.host = ${b}.host` : '');
  return [
    // Every ancestor of every process lifetime, nearest first (depth 0 = itself).
    `CREATE TEMP VIEW lineage AS WITH RECURSIVE chain(${host}pid, start_ticks, depth, ancestor_pid, ancestor_start_ticks) AS (
       SELECT ${host}pid, start_ticks, 0, pid, start_ticks FROM processes
       UNION ALL
       SELECT ${merged ? 'c.host, ' : ''}c.pid, c.start_ticks, c.depth + 1, p.parent_pid, p.parent_start_ticks
       FROM chain c JOIN processes p ON p.pid = c.ancestor_pid AND p.start_ticks = c.ancestor_start_ticks${sameHost('p', 'c')}
       WHERE p.parent_pid IS NOT NULL AND c.depth < 64)
     SELECT ${merged ? 'c.host, ' : ''}c.pid, c.start_ticks, c.depth, c.ancestor_pid, c.ancestor_start_ticks,
            a.comm AS ancestor_comm, a.exe AS ancestor_exe, a.argv AS ancestor_argv, a.uid AS ancestor_uid
     FROM chain c LEFT JOIN processes a ON a.pid = c.ancestor_pid AND a.start_ticks = c.ancestor_start_ticks${sameHost('a', 'c')}`,
    ...PROBES.flatMap((p) => (p.facets?.forensicViews ?? []).map((v) => `CREATE TEMP VIEW ${v.name} AS
     ${v.select(host, p.table)}`)),
  ];
}
