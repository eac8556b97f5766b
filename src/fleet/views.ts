import { PROBES } from '../probes/index.js';
import { HEADER_COLUMNS } from '../store/schema.js';
import { chIdent } from './schema.js';

/** One fleet view: its name and ClickHouse CREATE VIEW. */
export interface FleetView {
  name: string;
  sql: string;
}

/**
 * The forensic views of the local query (each probe's facets), as
 * ClickHouse views over the fleet tables, grouped by host and capture too.
 * `lineage` is a table there (computed at ship time). A view whose SQL
 * ClickHouse cannot run (e.g. correlated subqueries) is reported, not fatal.
 */
export function fleetViews(database: string): FleetView[] {
  return [eventsView(database), ...PROBES.flatMap((p) =>
    (p.facets?.forensicViews ?? []).map((v) => ({
      name: v.name,
      sql: `CREATE VIEW IF NOT EXISTS ${chIdent(database)}.${chIdent(v.name)} AS ${v.select('host, capture_id, ', `${chIdent(database)}.${chIdent(p.table)}`)}`,
    })),
  )];
}

/** `events`: the common columns of every probe's table, as the capture's own `events` view, with host, capture_id and wall_ns. */
function eventsView(database: string): FleetView {
  const cols = ['host', 'capture_id', 'id', ...HEADER_COLUMNS.flatMap((h) => (h.kind === 'text' ? [h.name, `${h.name}_raw`] : [h.name])), 'wall_ns'].map(chIdent).join(', ');
  const parts = PROBES.map((p) => `SELECT '${p.name}' AS probe, '${p.table}' AS tbl, ${cols} FROM ${chIdent(database)}.${chIdent(p.table)}`);
  return { name: 'events', sql: `CREATE VIEW IF NOT EXISTS ${chIdent(database)}.events AS ${parts.join(' UNION ALL ')}` };
}
