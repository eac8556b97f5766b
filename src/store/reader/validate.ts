import type Database from 'better-sqlite3';
import { PROBES, type ProbeSpec } from '../../probes/index.js';
import { CaptureError } from '../errors.js';
import { coreTablesOf } from './migrations.js';
import { APPLICATION_ID, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION, eventsViewSql, knownIndexNames, probeColumns, sqlType } from '../schema.js';
import { SUMMARY_SINCE, summaryTables } from '../summaries.js';

/** What validation found: the schema version, the probe tables present, and every table present. */
export interface ValidatedSchema {
  version: number;
  probes: ProbeSpec[];
  /** Every table the capture holds (each checked against the allow-list). */
  tables: ReadonlySet<string>;
}

const SQLITE_INTERNAL = new Set(['sqlite_stat1']);

/**
 * Checks application_id, user_version and every schema object against the
 * allow-list before anything else is read: only the known tables with exactly
 * their columns, our indexes on plain columns, the one `events` view with its
 * exact text, and no triggers. A table replaced by a view or trigger is refused.
 */
export function validateCapture(db: Database.Database, name: string): ValidatedSchema {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const objects = db.prepare('SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema').all() as { type: string; name: string; tbl: string; sql: string | null }[];
  if (appId !== APPLICATION_ID) {
    if (objects.length === 0) throw new CaptureError(`${name} is empty: not an ebpfsh capture (record one with: ebpfsh record -w FILE PROBES)`, 'NOTCAPTURE');
    throw new CaptureError(`${name} is a SQLite file but not an ebpfsh capture (application_id ${appId >>> 0})`, 'NOTCAPTURE');
  }
  if (version > SCHEMA_VERSION)
    throw new CaptureError(`${name} was written by a newer ebpfsh (capture schema ${version}, this one reads up to ${SCHEMA_VERSION}): upgrade ebpfsh`, 'NEWER');
  if (version < OLDEST_SCHEMA_VERSION) throw new CaptureError(`${name} has an unknown capture schema version ${version}`, 'SCHEMA');

  const refuse = (what: string) => new CaptureError(`${name}: unexpected schema (${what}); refusing to read it`, 'SCHEMA');
  const core = new Map(coreTablesOf(version).map((t) => [t.name, t]));
  const probeByTable = new Map(PROBES.map((p) => [p.table, p]));
  // Summary tables (schema 5, uid_summary 6) are optional, like probe tables: a reader without them aggregates the raw rows.
  const summary = new Map(version >= SUMMARY_SINCE ? summaryTables().filter((t) => (t.since ?? SUMMARY_SINCE) <= version).map((t) => [t.name, t]) : []);
  const tables = new Set<string>();
  const probes: ProbeSpec[] = [];
  for (const o of objects) {
    if (o.type === 'trigger') throw refuse(`trigger ${o.name}`);
    if (o.type === 'view') {
      if (o.name !== 'events') throw refuse(`view ${o.name}`);
      continue;
    }
    if (o.type === 'index') {
      const ours = knownIndexNames().has(o.name) || (o.name.startsWith('sqlite_autoindex_') && o.sql === null);
      if (!ours) throw refuse(`index ${o.name}`);
      continue;
    }
    if (o.type !== 'table') throw refuse(`${o.type} ${o.name}`);
    if (SQLITE_INTERNAL.has(o.name)) continue;
    const want = (core.get(o.name) ?? summary.get(o.name))?.columns.map((c) => ({ name: c.name, type: c.type })) ??
      (probeByTable.has(o.name) ? [{ name: 'id', type: 'INTEGER' }, ...probeColumns(probeByTable.get(o.name)!, version).map((c) => ({ name: c.name, type: sqlType(c.kind) }))] : undefined);
    if (!want) throw refuse(`table ${o.name}`);
    const have = db.prepare(`SELECT name, type, hidden FROM pragma_table_xinfo(?)`).all(o.name) as { name: string; type: string; hidden: number }[];
    if (have.some((c) => c.hidden !== 0)) throw refuse(`generated or hidden column in ${o.name}`);
    const key = (cols: { name: string; type: string }[]) => cols.map((c) => `${c.name}:${c.type.toUpperCase()}`).sort().join(',');
    if (key(have) !== key(want)) throw refuse(`columns of ${o.name}`);
    if (/\bAUTOINCREMENT\b/i.test(o.sql ?? '')) throw refuse(`table ${o.name}`);
    tables.add(o.name);
    if (probeByTable.has(o.name)) probes.push(probeByTable.get(o.name)!);
  }
  for (const t of core.keys()) if (!tables.has(t)) throw refuse(`missing table ${t}`);
  // Every index must be on a table we know and on plain columns (no expressions).
  for (const o of objects.filter((x) => x.type === 'index')) {
    if (!tables.has(o.tbl)) throw refuse(`index ${o.name} on ${o.tbl}`);
    const cols = db.prepare('SELECT cid FROM pragma_index_xinfo(?)').all(o.name) as { cid: number }[];
    if (cols.some((c) => c.cid === -2)) throw refuse(`expression index ${o.name}`);
  }
  const ordered = PROBES.filter((p) => probes.includes(p));
  const view = objects.find((o) => o.type === 'view');
  if (!view || view.sql !== eventsViewSql(ordered)) throw refuse(view ? 'events view' : 'missing events view');
  return { version, probes: ordered, tables };
}

/** One column of the capture row: its SQLite storage class(es) and a check of the value. */
interface RowRule {
  types: readonly string[];
  check?: (v: unknown) => boolean;
  what: string;
}

const MAX_NS = 2 ** 62; // kernel monotonic ns far beyond any uptime; wall = ns + offset stays a valid date
const text = (max: number) => (v: unknown) => typeof v === 'string' && Buffer.byteLength(v) <= max;
const ns = (v: unknown) => typeof v === 'number' && v >= 0 && v <= MAX_NS;

const CAPTURE_ROW: Record<string, RowRule> = {
  id: { types: ['integer'], check: (v) => v === 1, what: 'must be 1' },
  tool: { types: ['text'], check: (v) => v === 'ebpfsh', what: "must be 'ebpfsh'" },
  tool_version: { types: ['text'], check: text(64), what: 'text of at most 64 bytes' },
  schema_version: { types: ['integer'], what: 'an integer' },
  hostname: { types: ['text'], check: text(255), what: 'text of at most 255 bytes' },
  kernel_release: { types: ['text'], check: text(255), what: 'text of at most 255 bytes' },
  boot_id: { types: ['text'], check: text(64), what: 'text of at most 64 bytes' },
  clock_offset_ns: { types: ['integer'], check: (v) => typeof v === 'number' && Math.abs(v) <= MAX_NS, what: `an integer of at most 2^62` },
  start_ns: { types: ['integer'], check: ns, what: 'an integer from 0 to 2^62' },
  start_time: { types: ['text'], check: text(64), what: 'text of at most 64 bytes' },
  end_ns: { types: ['integer', 'null'], check: (v) => v === null || ns(v), what: 'an integer from 0 to 2^62, or NULL' },
  end_time: { types: ['text', 'null'], check: (v) => v === null || text(64)(v), what: 'text of at most 64 bytes, or NULL' },
  clean_stop: { types: ['integer'], check: (v) => v === 0 || v === 1, what: '0 or 1' },
  stop_reason: { types: ['text', 'null'], check: (v) => v === null || text(1024)(v), what: 'text of at most 1024 bytes, or NULL' },
  command_line: { types: ['text'], check: isArgvJson, what: 'a JSON array of strings' },
  recorder_pid: { types: ['integer'], check: (v) => typeof v === 'number' && v > 0 && v <= 4_194_304, what: 'a pid (1 to 4194304)' },
  last_commit_ns: { types: ['integer', 'null'], check: (v) => v === null || ns(v), what: 'an integer from 0 to 2^62, or NULL' },
};

function isArgvJson(v: unknown): boolean {
  if (typeof v !== 'string' || v.length > 1 << 20) return false;
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) && a.every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/**
 * Checks every value of the one `capture` row before anything uses it: its
 * SQLite storage class (an INTEGER column holding text or a real is refused),
 * and its range. Everything later reads these values as the types they claim
 * to be: a clock offset is a number, never text that could reach SQL or a screen.
 */
export function validateCaptureRow(db: Database.Database, name: string, version: number): void {
  const bad = (what: string) => new CaptureError(`${name}: damaged capture record (${what}); refusing to read it`, 'SCHEMA');
  const n = db.prepare('SELECT count(*) FROM capture').pluck().get() as number;
  if (n !== 1) throw bad(`${n} rows instead of 1`);
  const cols = coreTablesOf(version).find((t) => t.name === 'capture')!.columns.map((c) => c.name);
  // Column names are ours (the allow-list), never the capture's.
  const row = db.prepare(`SELECT ${cols.map((c) => `typeof(${c}), ${c}`).join(', ')} FROM capture`).raw(true).get() as unknown[];
  cols.forEach((c, i) => {
    const rule = CAPTURE_ROW[c];
    if (!rule) return;
    const type = row[2 * i] as string;
    const v = row[2 * i + 1];
    if (!rule.types.includes(type) || (rule.check && !rule.check(v))) throw bad(`capture.${c} must be ${rule.what} (it holds ${rule.types.includes(type) ? 'a value out of range' : type})`);
  });
  const sv = row[2 * cols.indexOf('schema_version') + 1];
  if (sv !== version) throw bad(`capture.schema_version must be ${version}, as user_version (it holds ${String(sv)})`);
}
