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
    // Outbound connections per process: attempts, outcomes, distinct destinations, first and last.
    `CREATE TEMP VIEW connections_per_process AS
     SELECT ${host}pid, comm, count(*) AS connects, sum(ret = 0) AS established, sum(ret < 0) AS failed,
            count(DISTINCT daddr || ' ' || dport) AS destinations, min(ts) AS first_ts, max(ts) AS last_ts
     FROM connect GROUP BY ${host}pid, comm`,
    // Files per process: opens, failures, distinct paths, first and last.
    `CREATE TEMP VIEW files_per_process AS
     SELECT ${host}pid, comm, count(*) AS opens, sum(ret < 0) AS failed, count(DISTINCT path) AS paths,
            min(ts) AS first_ts, max(ts) AS last_ts
     FROM open GROUP BY ${host}pid, comm`,
  ];
}

/** Names of the ready-made views. */
export const FORENSIC_VIEWS = ['lineage', 'connections_per_process', 'files_per_process'] as const;
