import type Database from 'better-sqlite3';
import { PROBES, type ProbeSpec } from '../../probes/index.js';
import { summaryTables } from '../summaries.js';
import { BINARY_TABLES, CHAIN_SINCE, HOST_TABLES, CHAIN_TABLES, CORE_TABLES, SCHEMA_VERSION, coreTableSql, eventsViewSql, ident, probeColumns, probeTableSql, sqlType, tableNames, type CoreTable } from '../schema.js';

/**
 * The first schema (version 1), frozen: what captures written by it hold.
 * Version 2 added capture.stop_reason and capture.last_commit_ns (where a
 * gap starts when the recorder dies), loss intervals (losses.ts became
 * start_ns + end_ns) and processes.exit_code. Version 3 lets a probe gain
 * fields (FieldSpec.since).
 */
const V1_CORE_TABLES: readonly CoreTable[] = CORE_TABLES.filter((t) => (t.since ?? 1) <= 1).map((t) => {
  const drop: Record<string, string[]> = { capture: ['stop_reason', 'last_commit_ns'], losses: ['end_ns'], processes: ['exit_code'] };
  const columns = t.columns
    .filter((c) => !drop[t.name]?.includes(c.name))
    .map((c) => (t.name === 'losses' && c.name === 'start_ns' ? { ...c, name: 'ts', doc: 'when the loss was counted, kernel monotonic ns' } : c));
  return { ...t, columns };
});

/**
 * The oldest schema a reader reads as it is, without migrating a private copy
 * (a copy of a 1.7 GB capture took ~20 s): every step after it only adds what
 * readers treat as optional (uid_summary, used only when complete) or name
 * in the capture itself (the chain format, named by its genesis).
 */
export const READ_IN_PLACE_SINCE = 5;

/** Core tables of a schema version. */
export function coreTablesOf(version: number): readonly CoreTable[] {
  const core = version === 1 ? V1_CORE_TABLES : CORE_TABLES.filter((t) => (t.since ?? 1) <= version);
  return version >= CHAIN_SINCE ? [...core, ...CHAIN_TABLES] : core;
}

/** Statements that create a version-1 capture (for fixtures and tests of migration). */
export function createV1SchemaSql(probes: readonly ProbeSpec[]): string[] {
  return [...V1_CORE_TABLES.map(coreTableSql), ...probes.map((p) => probeTableSql(p, 1)), eventsViewSql(probes)];
}

/** One step: from `from` to `from + 1`. */
interface Migration {
  from: number;
  up(db: Database.Database): void;
}

const MIGRATIONS: Migration[] = [
  {
    from: 1,
    up(db) {
      db.exec(`ALTER TABLE capture ADD COLUMN stop_reason TEXT;
        ALTER TABLE capture ADD COLUMN last_commit_ns INTEGER;
        ALTER TABLE losses RENAME COLUMN ts TO start_ns;
        ALTER TABLE losses ADD COLUMN end_ns INTEGER;
        ALTER TABLE processes ADD COLUMN exit_code INTEGER;
        UPDATE losses SET end_ns = start_ns;`);
    },
  },
  // 3: probes may gain fields (FieldSpec.since); version 3 added execsnoop's fileless, env and env_cut.
  { from: 2, up: (db) => addProbeColumnsSince(db, 3) },
  // 4: executed binaries (the binaries tables, empty; execsnoop's exe_* identity columns, NULL in old rows),
  // and the integrity chain: empty chain tables and a 'migrated' genesis, so the capture reads as
  // unverifiable (no chain), never as tampered.
  {
    from: 3,
    up(db) {
      for (const t of CORE_TABLES.filter((x) => x.since === 4 && BINARY_TABLE_NAMES.has(x.name))) db.exec(coreTableSql(t));
      // The host facts tables stay empty: the zone of an older capture's host was never recorded.
      for (const t of HOST_TABLES) db.exec(coreTableSql(t));
      addProbeColumnsSince(db, 4);
      for (const t of CHAIN_TABLES) db.exec(coreTableSql(t));
      db.prepare("INSERT INTO chain (seq, kind, prev_hash, hash, rows, tables) VALUES (0, 'migrated', zeroblob(32), zeroblob(32), 0, '[]')").run();
    },
  },
  // 5: summary tables of the ready-made views, created empty and with no `summaries` row: the views
  // aggregate the raw rows of a migrated capture (same answer, slower). Finalize fills them.
  { from: 4, up: (db) => addMissingSummaryTables(db, 5) },
  // 6: new captures chain in ebpfsh-chain-2 (an older capture's chain stays ebpfsh-chain-1: its genesis says
  // so), and uid_summary (the users line of info), created empty with no `summaries` row: info of a migrated
  // capture counts the raw rows (same answer, slower). Finalize (or ebpfsh recover) fills it.
  { from: 5, up: (db) => addMissingSummaryTables(db, 6) },
];

/** The core tables the executed-binaries step adds (another step of version 4 may add others). */
const BINARY_TABLE_NAMES = new Set(BINARY_TABLES.map((t) => t.name));

/** Adds to the probe tables a capture has the columns their probes gained in schema `version` (NULL in old rows). */
function addProbeColumnsSince(db: Database.Database, version: number): void {
  const have = tableNames(db);
  for (const p of PROBES.filter((x) => have.has(x.table)))
    for (const c of probeColumns(p).filter((x) => x.since === version)) db.exec(`ALTER TABLE ${ident(p.table)} ADD COLUMN ${ident(c.name)} ${sqlType(c.kind)}`);
}

/**
 * Brings a validated capture of an older schema to the current one, in one
 * transaction: also adds tables of probes newer than the capture and rebuilds
 * the events view over them. Never run on evidence in place by the reader
 * (it migrates a private copy).
 */
export function migrate(db: Database.Database, from: number): void {
  db.transaction(() => {
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const m = MIGRATIONS.find((x) => x.from === v);
      if (!m) throw new Error(`no migration from schema ${v}`);
      m.up(db);
    }
    addMissingProbeTables(db);
    db.prepare('UPDATE capture SET schema_version = ?').run(SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/** Creates the summary tables of schema `version` (5 and later) this build knows and the capture lacks, empty. */
function addMissingSummaryTables(db: Database.Database, version: number): void {
  const have = tableNames(db);
  for (const t of summaryTables()) if (!have.has(t.name) && (t.since ?? 1) <= version) db.exec(coreTableSql(t));
}

/** Creates tables of probes (and summaries of schema `version`) this build knows and the capture lacks; rebuilds the events view over all. */
export function addMissingProbeTables(db: Database.Database, version = SCHEMA_VERSION): void {
  const have = tableNames(db);
  if (have.has('summaries')) addMissingSummaryTables(db, version);
  const missing = PROBES.filter((p) => !have.has(p.table));
  if (!missing.length) return;
  for (const p of missing) db.exec(probeTableSql(p));
  db.exec('DROP VIEW IF EXISTS events');
  db.exec(eventsViewSql(PROBES));
}
