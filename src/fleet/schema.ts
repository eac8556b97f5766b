import { CORE_TABLES, probeColumns } from '../store/index.js';
import type { ProbeSpec } from '../probes/index.js';

/** How a column travels: integers as Int64, text as String, SQLite BLOBs as the hex of their bytes. */
export type ShipKind = 'int' | 'text' | 'blob';

/** One column of a shipped table, as the capture has it. */
export interface ShipColumn {
  name: string;
  kind: ShipKind;
  /** The capture declares it NOT NULL (or it is the row id). */
  notNull: boolean;
}

/** One table shipped to the fleet store. */
export interface ShipTable {
  name: string;
  columns: ShipColumn[];
  /** Rows change after they are inserted (the process table): shipped from a finished capture only. */
  mutable: boolean;
}

/** Core tables that stay in the capture: its one row goes to `captures`; the executed files' bytes are too big to copy around. */
const NOT_SHIPPED = new Set(['capture', 'binary_blobs']);
/** Core tables whose rows the recorder changes in place. */
const MUTABLE = new Set(['processes']);

/** The fleet table of capture rows (one per capture). */
export const CAPTURES_TABLE = 'captures';
/** The fleet table that records which row ranges of which capture are in the store: what makes a ship idempotent and resumable. */
export const PROGRESS_TABLE = 'ship_progress';
/** The fleet table of process ancestry, computed at ship time (ClickHouse has no recursive queries). */
export const LINEAGE_TABLE = 'lineage';

function kindOfType(type: string): ShipKind {
  return type === 'INTEGER' ? 'int' : type === 'BLOB' ? 'blob' : 'text';
}

/**
 * The tables of a capture that ship, derived like the capture's own tables:
 * the core tables from their spec, each probe's from its column spec, so a
 * new probe ships with no new code.
 */
export function shipTables(probes: readonly ProbeSpec[], version: number): ShipTable[] {
  const core = CORE_TABLES.filter((t) => (t.since ?? 1) <= version && !NOT_SHIPPED.has(t.name)).map((t) => ({
    name: t.name,
    mutable: MUTABLE.has(t.name),
    columns: t.columns.map((c) => ({ name: c.name, kind: kindOfType(c.type), notNull: /NOT NULL|PRIMARY KEY/.test(c.constraint ?? '') })),
  }));
  const events = probes.map((p) => ({
    name: p.table,
    mutable: false,
    columns: [{ name: 'id', kind: 'int' as const, notNull: true }, ...probeColumns(p).map((c) => ({ name: c.name, kind: (c.kind === 'raw' ? 'blob' : c.kind === 'int' ? 'int' : 'text') as ShipKind, notNull: c.name === 'ts' }))],
  }));
  return [...core, ...events];
}

/** The capture row's columns, shipped to `captures`. */
export function captureRowColumns(): ShipColumn[] {
  const t = CORE_TABLES.find((x) => x.name === 'capture')!;
  return t.columns.map((c) => ({ name: c.name, kind: kindOfType(c.type), notNull: /NOT NULL|PRIMARY KEY/.test(c.constraint ?? '') }));
}

/** The lineage table's columns: one row per process lifetime and each of its ancestors (depth 0 = itself). */
export const LINEAGE_COLUMNS: readonly ShipColumn[] = [
  { name: 'id', kind: 'int', notNull: true },
  { name: 'pid', kind: 'int', notNull: true },
  { name: 'start_ticks', kind: 'int', notNull: true },
  { name: 'depth', kind: 'int', notNull: true },
  { name: 'ancestor_pid', kind: 'int', notNull: false },
  { name: 'ancestor_start_ticks', kind: 'int', notNull: false },
  { name: 'ancestor_comm', kind: 'text', notNull: false },
  { name: 'ancestor_exe', kind: 'text', notNull: false },
  { name: 'ancestor_argv', kind: 'text', notNull: false },
  { name: 'ancestor_uid', kind: 'int', notNull: false },
];

/** Wall-clock twins of a table's monotonic columns: `ts` gets `wall_ns`, `X_ns` gets `X_wall_ns` (ns since the epoch, from the capture's clock offset). */
export function wallColumns(columns: readonly ShipColumn[]): { from: string; name: string }[] {
  return columns.flatMap((c) => (c.kind !== 'int' ? [] : c.name === 'ts' ? [{ from: c.name, name: 'wall_ns' }] : /_ns$/.test(c.name) && c.name !== 'clock_offset_ns' ? [{ from: c.name, name: c.name.replace(/_ns$/, '_wall_ns') }] : []));
}

/** Back-quotes a ClickHouse identifier. */
export function chIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function chType(c: ShipColumn): string {
  const base = c.kind === 'int' ? 'Int64' : 'String';
  return c.notNull ? base : `Nullable(${base})`;
}

/** ClickHouse columns (name, type) of a shipped table: `host`, `capture_id`, the capture's columns, their wall-clock twins. */
export function fleetColumns(columns: readonly ShipColumn[]): { name: string; type: string }[] {
  const out = [{ name: 'host', type: 'String' }, { name: 'capture_id', type: 'String' }, ...columns.map((c) => ({ name: c.name, type: chType(c) }))];
  for (const w of wallColumns(columns)) out.push({ name: w.name, type: chType(columns.find((c) => c.name === w.from)!) });
  return out;
}

/**
 * CREATE TABLE for a shipped table. No partition key: an insert of one
 * batch (fewer rows than max_insert_block_size) is then one part, so it is
 * in the store entirely or not at all, which is what resuming relies on.
 * Works on ClickHouse 18.16 (Debian 12) and later.
 */
export function fleetTableSql(database: string, name: string, columns: readonly ShipColumn[], extra: string[] = []): string {
  const cols = fleetColumns(columns).map((c) => `${chIdent(c.name)} ${c.type}`);
  const hasWall = columns.some((c) => c.name === 'ts');
  // Seconds, for GROUP BY toStartOfHour(time) and friends; the exact time stays in wall_ns.
  if (hasWall) cols.push(`\`time\` DateTime MATERIALIZED toDateTime(intDiv(ifNull(wall_ns, 0), 1000000000))`);
  const order = columns.some((c) => c.name === 'id') ? '(host, capture_id, id)' : '(host, capture_id)';
  return `CREATE TABLE IF NOT EXISTS ${chIdent(database)}.${chIdent(name)} (${[...cols, ...extra].join(', ')}) ENGINE = MergeTree() ORDER BY ${order}`;
}

/** CREATE TABLE for the progress table. */
export function progressTableSql(database: string): string {
  return `CREATE TABLE IF NOT EXISTS ${chIdent(database)}.${PROGRESS_TABLE} (capture_id String, tbl String, first_id Int64, last_id Int64, rows UInt64, shipped_at DateTime DEFAULT now()) ENGINE = MergeTree() ORDER BY (capture_id, tbl, first_id)`;
}
