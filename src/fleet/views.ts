import { PROBES } from '../probes/index.js';
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
  return PROBES.flatMap((p) =>
    (p.facets?.forensicViews ?? []).map((v) => ({
      name: v.name,
      sql: `CREATE VIEW IF NOT EXISTS ${chIdent(database)}.${chIdent(v.name)} AS ${v.select('host, capture_id, ', `${chIdent(database)}.${chIdent(p.table)}`)}`,
    })),
  );
}
