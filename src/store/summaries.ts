/*
 * Summary tables (schema 5): the ready-made views that aggregate a whole
 * table (a probe view marked `summary`, and `lineage`) materialized when
 * recording stops, so they answer on a 10M-event capture in milliseconds
 * instead of seconds. They are ordinary rows of the final transaction: the
 * integrity chain covers them like every other row, so `ebpfsh verify` finds
 * an edited summary row. The `summaries` table says which were built, over
 * how many source rows; a reader uses a summary only when that row matches
 * the source table's last id, and otherwise (a capture migrated from schema
 * 4, one whose recorder died, a live one) the view aggregates the raw rows,
 * slower, with the same answer. Schema 6 adds uid_summary, the users line
 * and per-table counts of `ebpfsh info`, on the same terms. `ebpfsh
 * recover` builds them all for a capture whose recorder died.
 */
import Database from 'better-sqlite3';
import { PROBES, type ForensicView, type ProbeSpec } from '../probes/index.js';
import { coreTableSql, ident, probeTableSql, tableNames, type CoreTable } from './schema.js';

/** The schema version that added the summary tables. */
export const SUMMARY_SINCE = 5;

/** One summary: the table it fills, the table it aggregates, and the SELECT (over that table) of its rows. */
export interface Summary {
  /** The summary table, `<view>_summary`. */
  table: string;
  /** The ready-made view it answers. */
  view: string;
  /** The table it is computed from. */
  source: string;
  /** The view's columns, in order (the summary table has `id` then these). */
  columns: string[];
  /** The rows, as the view computes them over `source` of one capture. */
  select: string;
  /** Index built at finalize (columns of the summary table), for the view's usual WHERE. */
  index?: string[];
}

/** The lineage chain over `processes` (depth 0 = itself, nearest ancestor first, at most 64): one capture's, or merged captures' by host. */
export function lineageChainSql(merged: boolean): string {
  const host = merged ? 'host, ' : '';
  return `WITH RECURSIVE chain(${host}pid, start_ticks, depth, ancestor_pid, ancestor_start_ticks) AS (
       SELECT ${host}pid, start_ticks, 0, pid, start_ticks FROM processes
       UNION ALL
       SELECT ${merged ? 'c.host, ' : ''}c.pid, c.start_ticks, c.depth + 1, p.parent_pid, p.parent_start_ticks
       FROM chain c JOIN processes p ON p.pid = c.ancestor_pid AND p.start_ticks = c.ancestor_start_ticks${merged ? ' AND p.host = c.host' : ''}
       WHERE p.parent_pid IS NOT NULL AND c.depth < 64)`;
}

/** The lineage summary: every (process, ancestor) pair of the chain, without the ancestor's details (they are joined from processes). */
const LINEAGE: Summary = {
  table: 'lineage_summary',
  view: 'lineage',
  source: 'processes',
  columns: ['pid', 'start_ticks', 'depth', 'ancestor_pid', 'ancestor_start_ticks'],
  select: `${lineageChainSql(false)} SELECT pid, start_ticks, depth, ancestor_pid, ancestor_start_ticks FROM chain`,
  index: ['pid', 'start_ticks', 'depth'],
};

const SUMMARY_COLUMN_TYPES = new Map<string, Map<string, string>>();

/** The declared type of each column a probe view returns: the source column's for a plain column, INTEGER for an aggregate (counts, sums, min/max of ts). */
function viewColumnTypes(p: ProbeSpec, v: ForensicView): Map<string, string> {
  const key = `${p.table}\0${v.name}`;
  let types = SUMMARY_COLUMN_TYPES.get(key);
  if (types) return types;
  // Our own SQL on an empty in-memory table: never anything from a capture.
  const db = new Database(':memory:');
  try {
    db.exec(probeTableSql(p));
    types = new Map(db.prepare(v.select('', p.table)).columns().map((c) => [c.name, c.type ?? 'INTEGER']));
  } finally {
    db.close();
  }
  SUMMARY_COLUMN_TYPES.set(key, types);
  return types;
}

/** Every summary this build knows, for the given probes (each probe view marked `summary`, then lineage). */
export function summaries(probes: readonly ProbeSpec[] = PROBES): Summary[] {
  const out: Summary[] = [];
  for (const p of probes)
    for (const v of p.facets?.forensicViews ?? [])
      if (v.summary) out.push({ table: `${v.name}_summary`, view: v.name, source: p.table, columns: [...viewColumnTypes(p, v).keys()], select: v.select('', p.table) });
  return [...out, LINEAGE];
}

/** The table that records which summaries finalize built (the reader trusts a summary only through it). */
export const SUMMARIES_TABLE: CoreTable = {
  name: 'summaries',
  since: SUMMARY_SINCE,
  doc: 'one row per summary table built when recording stopped (uid_summary: one per probe table it counts): which, over which table and how many of its rows (its last id then); a summary without its row here is not used',
  columns: [
    { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
    { name: 'name', type: 'TEXT', constraint: 'NOT NULL', doc: 'the summary table, e.g. files_per_process_summary' },
    { name: 'source', type: 'TEXT', constraint: 'NOT NULL', doc: 'the table it was computed from' },
    { name: 'source_rows', type: 'INTEGER', constraint: 'NOT NULL', doc: "the source table's last id when it was computed (readers compare it with the table's last id now)" },
  ],
};

/** The summary tables' definitions (id, then the view's columns), for the allow-list and the schema. */
export function summaryTables(probes: readonly ProbeSpec[] = PROBES): CoreTable[] {
  const typeOf = new Map<string, Map<string, string>>();
  for (const p of probes) for (const v of p.facets?.forensicViews ?? []) if (v.summary) typeOf.set(`${v.name}_summary`, viewColumnTypes(p, v));
  return [
    SUMMARIES_TABLE,
    ...summaries(probes).map((s) => ({
      name: s.table,
      since: SUMMARY_SINCE,
      doc: `the ${s.view} view over ${s.source}, computed when recording stopped`,
      columns: [
        { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
        ...s.columns.map((c) => ({ name: c, type: typeOf.get(s.table)?.get(c) ?? 'INTEGER', doc: `${c} as the ${s.view} view has it` })),
      ],
    })),
    UID_SUMMARY_TABLE,
  ];
}

// ---- uid_summary (schema 6): the users line of `ebpfsh info` (events per uid over every probe table) ----

/** The schema version that added uid_summary. */
export const UID_SUMMARY_SINCE = 6;

/** Largest magnitude of a uid the reader counts as a uid (a JavaScript safe integer); anything else is counted apart. */
const SAFE = 9007199254740991;

/** The users line's summary: events per (probe table, uid); all rows of a table whose uid is not an integer in one row with uid NULL. */
export const UID_SUMMARY_TABLE: CoreTable = {
  name: 'uid_summary',
  since: UID_SUMMARY_SINCE,
  doc: "events per probe table and uid (the users line and the per-table counts of ebpfsh info), computed when recording stopped (or by ebpfsh recover); one `summaries` row per probe table it covers (name uid_summary, that table, its last id then); used only when every probe table's row matches",
  columns: [
    { name: 'id', type: 'INTEGER', constraint: 'PRIMARY KEY', doc: 'order' },
    { name: 'tbl', type: 'TEXT', constraint: 'NOT NULL', doc: 'the probe table counted' },
    { name: 'uid', type: 'INTEGER', doc: "the uid (NULL: the table's rows whose uid is not an integer of at most 2^53 - 1 in magnitude: NULL, text, a blob, a fraction, huge)" },
    { name: 'events', type: 'INTEGER', constraint: 'NOT NULL', doc: 'rows of `tbl` with this uid' },
  ],
};

/** The uid as the reader counts it: the value when it is an integer a JavaScript number holds exactly, else NULL (counted apart). */
const UID_KEY = `CASE WHEN typeof(u) IN ('integer', 'real') AND u BETWEEN -${SAFE} AND ${SAFE} AND u = CAST(u AS INTEGER) THEN u END`;

/** The statements filling uid_summary from each probe table, each followed by its `summaries` row (run after every event is in). */
export function buildUidSummarySql(probes: readonly ProbeSpec[] = PROBES): string[] {
  return probes.flatMap((p) => [
    // Grouped by the raw value first, then the few groups classified: 25% less CPU than classifying every row (measured on 10M).
    // One group never mixes kinds: values SQLite calls equal (1000, 1000.0) are both safe integers or both not.
    `INSERT INTO uid_summary (tbl, uid, events) SELECT '${p.table}', ${UID_KEY} AS k, sum(n) FROM (SELECT uid AS u, count(*) AS n FROM ${ident(p.table)} GROUP BY uid) GROUP BY k ORDER BY k`,
    `INSERT INTO summaries (name, source, source_rows) SELECT 'uid_summary', '${p.table}', coalesce(max(id), 0) FROM ${ident(p.table)}`,
  ]);
}

/**
 * Whether a reader may answer the users line from uid_summary: exactly one
 * `summaries` row per probe table the capture has (compared as data), each
 * equal to that table's last id now, no other source named; and every row of
 * uid_summary well-formed (a table so marked, an integer or NULL uid, a
 * count from 0 to 2^53 - 1, the whole at most 2^53 - 1). Otherwise the
 * reader scans the probe tables, slower, with the same answer.
 */
export function uidSummaryUsable(db: Database.Database, tables: ReadonlySet<string>, probes: readonly ProbeSpec[]): boolean {
  if (!tables.has('summaries') || !tables.has(UID_SUMMARY_TABLE.name)) return false;
  const marks = db.prepare("SELECT source, source_rows FROM summaries WHERE name = 'uid_summary' LIMIT 10000").raw(true).all() as [unknown, unknown][];
  const want = new Set(probes.map((p) => p.table));
  if (marks.length !== want.size) return false;
  const seen = new Set<string>();
  for (const [source, rows] of marks) {
    if (typeof source !== 'string' || !want.has(source) || seen.has(source) || typeof rows !== 'number' || !Number.isSafeInteger(rows)) return false;
    seen.add(source);
    // The table's name is ours (the validated probe list), never the capture's.
    if ((db.prepare(`SELECT coalesce(max(id), 0) FROM ${ident(source)}`).pluck().get() as unknown) !== rows) return false;
  }
  const bad = db
    .prepare(`SELECT count(*) FROM uid_summary WHERE typeof(tbl) != 'text' OR tbl NOT IN (SELECT value FROM json_each(?))
       OR (uid IS NOT NULL AND typeof(uid) != 'integer') OR uid NOT BETWEEN -${SAFE} AND ${SAFE}
       OR typeof(events) != 'integer' OR events NOT BETWEEN 0 AND ${SAFE}`)
    .pluck()
    .get(JSON.stringify([...want])) as number;
  if (bad !== 0) return false;
  return (db.prepare('SELECT total(events) FROM uid_summary').pluck().get() as number) <= SAFE;
}

// ---- end of uid_summary ----

/** CREATE TABLE of every summary table (empty until finalize). */
export function summaryTablesSql(probes: readonly ProbeSpec[] = PROBES): string[] {
  return summaryTables(probes).map(coreTableSql);
}

/**
 * The statements finalize runs as the last of the stop transaction (so the
 * chain covers their rows): each summary's rows, then its `summaries` row.
 */
export function buildSummariesSql(probes: readonly ProbeSpec[] = PROBES): string[] {
  return [...summaries(probes).flatMap(summarySql), ...buildUidSummarySql(probes)];
}

/** One view summary's rows, then its `summaries` row. */
function summarySql(s: Summary): string[] {
  return [
    `INSERT INTO ${ident(s.table)} (${s.columns.map(ident).join(', ')}) ${s.select}`,
    `INSERT INTO summaries (name, source, source_rows) SELECT '${s.table}', '${s.source}', coalesce(max(id), 0) FROM ${ident(s.source)}`,
  ];
}

/** Runs buildSummariesSql on `db` (the caller holds the transaction), for the summary tables it has (an older schema has fewer): what finalize does, for recovery and the benchmark. */
export function buildSummaries(db: Database.Database, probes: readonly ProbeSpec[] = PROBES): void {
  const has = tableNames(db);
  if (!has.has(SUMMARIES_TABLE.name)) return;
  const statements = summaries(probes).filter((s) => has.has(s.table)).flatMap(summarySql);
  if (has.has(UID_SUMMARY_TABLE.name)) statements.push(...buildUidSummarySql(probes));
  for (const sql of statements) db.prepare(sql).run();
}

/** Empties the summary tables (the benchmark measures building them again on a copy). */
export function dropSummariesForBench(db: Database.Database, probes: readonly ProbeSpec[] = PROBES): void {
  for (const s of summaries(probes)) db.exec(`DELETE FROM ${ident(s.table)}`);
  db.exec('DELETE FROM uid_summary');
  db.exec('DELETE FROM summaries');
}

/** Index names and definitions of the summary tables (of those in `tables`, when given), built at finalize with the others. */
export function summaryIndexes(probes: readonly ProbeSpec[] = PROBES, tables?: ReadonlySet<string>): [string, string][] {
  return summaries(probes)
    .filter((s) => s.index && (!tables || tables.has(s.table)))
    .map((s) => [`idx_${s.table}`, `${ident(s.table)} (${s.index!.map(ident).join(', ')})`]);
}

/**
 * The summaries a reader may use on an opened capture: a `summaries` row with
 * the table's own name and source (compared as data, never pasted into SQL)
 * whose source_rows is an integer equal to the source table's last id now.
 * Anything else (no row, a count that does not match, a table absent) falls
 * back to the view over the raw rows.
 */
export function usableSummaries(db: Database.Database, tables: ReadonlySet<string>, probes: readonly ProbeSpec[] = PROBES): Set<string> {
  const out = new Set<string>();
  if (!tables.has('summaries')) return out;
  const rows = db.prepare('SELECT name, source, source_rows FROM summaries ORDER BY id LIMIT 1000').raw(true).all() as unknown[][];
  for (const s of summaries(probes)) {
    if (!tables.has(s.table) || !tables.has(s.source)) continue;
    const marks = rows.filter((r) => r[0] === s.table);
    if (marks.length !== 1 || marks[0]![1] !== s.source || typeof marks[0]![2] !== 'number' || !Number.isSafeInteger(marks[0]![2])) continue;
    const last = (db.prepare(`SELECT coalesce(max(id), 0) FROM ${ident(s.source)}`).pluck().get() as unknown) ?? 0;
    if (last === marks[0]![2]) out.add(s.view);
  }
  return out;
}
