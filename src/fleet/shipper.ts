import { PROBES } from '../probes/index.js';
import { FleetConnection } from './connection.js';
import { FleetError } from './errors.js';
import { CaptureSource, type RowBatch } from './capture-source.js';
import { CAPTURES_TABLE, LINEAGE_COLUMNS, LINEAGE_TABLE, PROGRESS_TABLE, captureRowColumns, chIdent, fleetColumns, fleetTableSql, progressTableSql, shipTables, type ShipColumn, type ShipTable } from './schema.js';
import { fleetViews } from './views.js';

/** Rows per insert by default: well under ClickHouse's max_insert_block_size (1,048,576), so each insert is one part, all or nothing. */
export const DEFAULT_BATCH_ROWS = 100_000;
const MAX_BATCH_ROWS = 1_000_000;

/** Where a ship is, for a progress bar. */
export interface ShipProgress {
  table: string;
  /** Rows of this capture now in the store (this run and earlier ones). */
  done: number;
  /** Rows of this capture in all (an estimate from the largest ids while recording). */
  total: number;
  /** Rows this run sent. */
  sent: number;
}

/** What one pass shipped. */
export interface ShipResult {
  captureId: string;
  host: string;
  /** Rows sent by this pass. */
  sent: number;
  /** Rows already in the store before it (an earlier ship, or an interrupted insert found there). */
  already: number;
  /** Rows of the capture not in the store after it (streaming: still to go; 0 after a complete ship). */
  pending: number;
  /** Values shipped as NULL/0 because the capture's value did not fit its column. */
  coerced: number;
  /** Views ClickHouse would not create, with why. */
  viewsSkipped: string[];
}

/** Creates the fleet database, tables and views when missing, and adds columns a newer ebpfsh derives (a probe field added later). */
export async function ensureFleetSchema(conn: FleetConnection): Promise<string[]> {
  const db = conn.target.database;
  await conn.command(`CREATE DATABASE IF NOT EXISTS ${chIdent(db)}`, 'creating the fleet database');
  const tables: { name: string; columns: readonly ShipColumn[]; extra?: string[] }[] = [
    ...shipTables(PROBES, Number.MAX_SAFE_INTEGER),
    { name: CAPTURES_TABLE, columns: [...captureRowColumns(), { name: 'verdict', kind: 'text', notNull: false }] },
    { name: LINEAGE_TABLE, columns: LINEAGE_COLUMNS },
  ];
  await conn.command(progressTableSql(db));
  const have = await conn.query(`SELECT table, name FROM system.columns WHERE database = '${db}'`, { readonly: false, what: 'reading the fleet schema' });
  const existing = new Map<string, Set<string>>();
  for (const [t, c] of have.rows as [string, string][]) (existing.get(t) ?? existing.set(t, new Set()).get(t)!).add(c);
  for (const t of tables) {
    const cols = existing.get(t.name);
    if (!cols) {
      await conn.command(fleetTableSql(db, t.name, t.columns, t.extra));
      continue;
    }
    // ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS: add what system.columns lacks.
    for (const c of fleetColumns(t.columns)) if (!cols.has(c.name)) await conn.command(`ALTER TABLE ${chIdent(db)}.${chIdent(t.name)} ADD COLUMN ${chIdent(c.name)} ${c.type}`);
  }
  const skipped: string[] = [];
  for (const v of fleetViews(db)) {
    try {
      await conn.command(v.sql, `creating view ${v.name}`);
    } catch (e) {
      skipped.push(`${v.name} (${(e as Error).message.replace(/^.*failed: /, '').slice(0, 120)})`);
    }
  }
  return skipped;
}

/** Options of one ship pass. */
export interface ShipOptions {
  batchRows?: number;
  /** Also ship what only a finished capture has for good: the process table, lineage and the capture row. */
  final: boolean;
  /** The verify verdict stored with the capture row. */
  verdict?: string;
  onProgress?: (p: ShipProgress) => void;
}

/**
 * Ships one capture's rows that the store does not hold yet. Idempotent and
 * resumable: `ship_progress` records each range (capture id, table, first and
 * last id) after its rows are in; a range whose rows landed but whose record
 * did not (an interrupted ship) is found by looking, recorded, and not sent again.
 */
export class CaptureShipper {
  private shipped = new Map<string, number>();
  /** Tables whose state in the store is unknown (first pass, or an insert that failed half-way): look before sending. */
  private unsure = new Set<string>();
  private loaded = false;

  constructor(private readonly conn: FleetConnection, readonly source: CaptureSource) {}

  private get db(): string {
    return chIdent(this.conn.target.database);
  }

  /** What the store already holds of this capture, per table (largest id recorded). */
  private async loadProgress(): Promise<void> {
    const r = await this.conn.query(`SELECT tbl, max(last_id) FROM ${this.db}.${PROGRESS_TABLE} WHERE capture_id = '${this.source.captureId}' GROUP BY tbl`, { readonly: false, what: 'reading ship progress' });
    this.shipped = new Map((r.rows as [string, string][]).map(([t, m]) => [t, Number(m)]));
    this.unsure = new Set([...this.source.tables.map((t) => t.name), LINEAGE_TABLE, CAPTURES_TABLE]);
    this.loaded = true;
  }

  /** Records that rows first..last of `table` are in the store. */
  private async mark(table: string, first: number, last: number, rows: number): Promise<void> {
    await this.conn.insert(PROGRESS_TABLE, [{ capture_id: this.source.captureId, tbl: table, first_id: String(first), last_id: String(last), rows: String(rows) }]);
    this.shipped.set(table, last);
  }

  /** Finds rows an interrupted ship inserted without recording them, and records them. Returns how many. */
  private async adopt(table: string): Promise<number> {
    if (!this.unsure.has(table)) return 0;
    const after = this.shipped.get(table) ?? 0;
    const r = await this.conn.query(`SELECT count(), max(id) FROM ${this.db}.${chIdent(table)} WHERE capture_id = '${this.source.captureId}' AND id > ${after}`, { readonly: false, what: `checking ${table}` });
    const [count, max] = (r.rows[0] ?? ['0', '0']) as [string, string];
    const n = Number(count);
    if (n > 0) {
      const last = Number(max);
      // One insert is one part: what landed is a whole range from after+1.
      if (last - after !== n) throw new FleetError(`${table} of capture ${this.source.captureId} holds ${n} unrecorded rows that are not one range: remove them (ALTER TABLE ... DELETE WHERE capture_id = '${this.source.captureId}') and ship again`);
      await this.mark(table, after + 1, last, n);
    }
    this.unsure.delete(table);
    return n;
  }

  /** Sends rows (objects, or a TabSeparated batch), then records them; on failure the table is looked at again before the next send. */
  private async send(table: string, first: number, last: number, rows: Record<string, unknown>[] | { t: ShipTable; batch: RowBatch }): Promise<void> {
    try {
      if (Array.isArray(rows)) await this.conn.insert(table, rows);
      else await this.conn.insertTsv(table, fleetColumns(rows.t.columns).map((c) => c.name), rows.batch.body);
      await this.mark(table, first, last, Array.isArray(rows) ? rows.length : rows.batch.rows);
    } catch (e) {
      this.unsure.add(table);
      throw e;
    }
  }

  /** Rows of the capture not known to be in the store; while recording (not `final`) the process table does not count: it ships once final. */
  pending(final = false): number {
    return this.source.tables.filter((t) => final || !t.mutable).reduce((a, t) => a + Math.max(0, this.source.maxId(t) - (this.shipped.get(t.name) ?? 0)), 0);
  }

  /** One pass: ships what is new (see ShipOptions.final). */
  async ship(opts: ShipOptions): Promise<ShipResult> {
    const batch = Math.min(MAX_BATCH_ROWS, Math.max(1, opts.batchRows ?? DEFAULT_BATCH_ROWS));
    if (!this.loaded) await this.loadProgress();
    const s = this.source;
    const tables = s.tables.filter((t) => opts.final || !t.mutable);
    const maxIds = new Map(s.tables.map((t) => [t.name, s.maxId(t)]));
    const total = [...maxIds.values()].reduce((a, b) => a + b, 0);
    let sent = 0;
    let already = 0;
    const done = () => s.tables.reduce((a, t) => a + Math.min(this.shipped.get(t.name) ?? 0, maxIds.get(t.name) ?? 0), 0);
    for (const t of tables) {
      already += await this.adopt(t.name);
      for (;;) {
        const after = this.shipped.get(t.name) ?? 0;
        const b = s.batchAfter(t, after, batch);
        if (!b) break;
        await this.send(t.name, after + 1, b.lastId, { t, batch: b });
        sent += b.rows;
        opts.onProgress?.({ table: t.name, done: done(), total, sent });
      }
    }
    if (opts.final) {
      already += await this.adopt(LINEAGE_TABLE);
      if (!this.shipped.has(LINEAGE_TABLE)) {
        const rows = s.lineage();
        for (let i = 0; i < rows.length; i += batch) {
          const part = rows.slice(i, i + batch);
          await this.send(LINEAGE_TABLE, i + 1, i + part.length, part);
        }
        if (!rows.length) await this.mark(LINEAGE_TABLE, 1, 0, 0);
      }
      already += await this.adopt(CAPTURES_TABLE);
      if (!this.shipped.has(CAPTURES_TABLE)) await this.send(CAPTURES_TABLE, 1, 1, [s.captureFleetRow({ verdict: opts.verdict ?? null })]);
    }
    const pending = tables.reduce((a, t) => a + Math.max(0, (maxIds.get(t.name) ?? 0) - (this.shipped.get(t.name) ?? 0)), 0);
    return { captureId: s.captureId, host: s.host, sent, already, pending, coerced: s.coerced, viewsSkipped: [] };
  }
}

/** Ships a whole capture file (tables created when missing); see CaptureShipper. */
export async function shipCapture(conn: FleetConnection, path: string, opts: Omit<ShipOptions, 'final'>): Promise<ShipResult> {
  const source = new CaptureSource(path);
  try {
    return await new CaptureShipper(conn, source).ship({ ...opts, final: true });
  } finally {
    source.close();
  }
}

export type { ShipTable };
