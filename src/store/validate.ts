import type Database from 'better-sqlite3';
import { PROBES, type ProbeSpec } from '../probes/index.js';
import { CaptureError } from './errors.js';
import { coreTablesOf } from './migrations.js';
import { APPLICATION_ID, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION, eventsViewSql, knownIndexNames, probeColumns, sqlType } from './schema.js';

/** What validation found: the schema version and the probe tables present. */
export interface ValidatedSchema {
  version: number;
  probes: ProbeSpec[];
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
    const want = core.get(o.name)?.columns.map((c) => ({ name: c.name, type: c.type })) ??
      (probeByTable.has(o.name) ? [{ name: 'id', type: 'INTEGER' }, ...probeColumns(probeByTable.get(o.name)!).map((c) => ({ name: c.name, type: sqlType(c.kind) }))] : undefined);
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
  return { version, probes: ordered };
}
