import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { CaptureReader } from '../store/index.js';
import { captureRowColumns, shipTables, wallColumns, type ShipColumn, type ShipTable } from './schema.js';
import { lineageRows, type LineageProcess } from './lineage.js';

/** A UTF-16 surrogate without its pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A batch of rows ready to insert. */
export interface RowBatch {
  rows: number;
  lastId: number;
  /** TabSeparated, one line per row, in fleetColumns order. */
  body: string;
}

const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** Text escaped for ClickHouse's TabSeparated (a lone surrogate becomes U+FFFD when the body is encoded). */
function tsvText(s: string): string {
  return /[\\\t\n\r\0]/.test(s) ? s.replace(/[\\\t\n\r\0]/g, (c) => TSV_ESCAPES[c]!) : s;
}

/** The capture row's identity fields that make its fleet id. */
interface Identity {
  hostname: string;
  boot_id: string;
  start_ns: bigint;
  recorder_pid: bigint;
  start_time: string;
}

/**
 * A capture's fleet id: SHA-256 (first 32 hex digits) of the genesis facts
 * (host name, boot id, start, recorder pid): the same capture always gets
 * the same id, wherever it is shipped from and whatever its file is called.
 */
export function captureIdOf(c: Identity): string {
  return createHash('sha256').update(['ebpfsh-capture-1', c.hostname, c.boot_id, String(c.start_ns), String(c.recorder_pid), c.start_time].join('\n')).digest('hex').slice(0, 32);
}

/**
 * A capture read for shipping: validated by the store's reader first (a
 * capture is hostile input), then read by id range with its own read-only
 * connection, from the tables validation found.
 */
export class CaptureSource {
  readonly reader: CaptureReader;
  private readonly db: Database.Database;
  readonly tables: ShipTable[];
  readonly captureId: string;
  readonly host: string;
  readonly offsetNs: bigint;
  /** Values that did not fit their column (text in an INTEGER column, a NULL where the capture promises none): shipped as NULL/0 and counted. */
  coerced = 0;

  constructor(path: string, opts: { live?: boolean } = {}) {
    this.reader = CaptureReader.open(path, { live: opts.live });
    try {
      this.db = new Database(this.reader.dbPath, { readonly: true, fileMustExist: true });
      this.db.pragma('trusted_schema = OFF');
      this.db.pragma('query_only = ON');
      this.tables = shipTables(this.reader.schema.probes, this.reader.schema.version);
      const row = this.captureRow();
      this.host = String(row.hostname);
      this.offsetNs = typeof row.clock_offset_ns === 'bigint' ? row.clock_offset_ns : 0n;
      this.captureId = captureIdOf(row as unknown as Identity);
    } catch (e) {
      this.reader.close();
      throw e;
    }
  }

  /** The one capture row (validated by the reader), integers as bigint. */
  captureRow(): Record<string, unknown> {
    return this.db.prepare('SELECT * FROM capture').safeIntegers(true).get() as Record<string, unknown>;
  }

  /** The capture row as a fleet row. */
  captureFleetRow(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...this.toFleetRow(captureRowColumns(), this.captureRow()), ...extra };
  }

  /** Largest id in a table (0 when empty). */
  maxId(table: ShipTable): number {
    const r = this.db.prepare(`SELECT max(id) AS m FROM "${table.name}"`).get() as { m: unknown };
    return typeof r.m === 'number' ? r.m : 0;
  }

  /** Up to `limit` rows with id > `after`, in id order, as one TabSeparated body for fleetColumns(table.columns). */
  batchAfter(table: ShipTable, after: number, limit: number): RowBatch | null {
    const cols = table.columns.map((c) => `"${c.name}"`).join(', ');
    const rows = this.db.prepare(`SELECT ${cols} FROM "${table.name}" WHERE id > ? ORDER BY id LIMIT ?`).safeIntegers(true).raw(true).all(after, limit) as unknown[][];
    if (!rows.length) return null;
    const idAt = table.columns.findIndex((c) => c.name === 'id');
    const walls = wallColumns(table.columns).map((w) => table.columns.findIndex((c) => c.name === w.from));
    const kinds = table.columns.map((c) => c.kind);
    const notNull = table.columns.map((c) => c.notNull);
    const prefix = `${tsvText(this.host)}\t${this.captureId}`;
    const lines: string[] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      let line = prefix;
      for (let i = 0; i < row.length; i++) line += '\t' + this.tsvValue(kinds[i]!, notNull[i]!, row[i]);
      for (const i of walls) {
        const v = row[i];
        line += '\t' + (typeof v === 'bigint' ? (v + this.offsetNs).toString() : '\\N');
      }
      lines[r] = line;
    }
    return { rows: rows.length, lastId: Number(rows.at(-1)![idAt]), body: lines.join('\n') + '\n' };
  }

  /** One value in ClickHouse's TabSeparated: integers in decimal, text escaped, bytes as hex, NULL as \N. */
  private tsvValue(kind: ShipColumn['kind'], notNull: boolean, v: unknown): string {
    if (v === null || v === undefined) {
      if (!notNull) return '\\N';
      this.coerced++;
      return kind === 'int' ? '0' : '';
    }
    if (kind === 'int') {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number' && Number.isInteger(v)) return String(v);
      this.coerced++;
      return notNull ? '0' : '\\N';
    }
    if (kind === 'blob') return (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')).toString('hex');
    return tsvText(Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }

  /** The lineage rows of this capture's process table (see lineage.ts), as fleet rows. */
  lineage(): Record<string, unknown>[] {
    const procs = this.db.prepare('SELECT pid, start_ticks, parent_pid, parent_start_ticks, comm, exe, argv, uid FROM processes ORDER BY id').safeIntegers(true).all() as LineageProcess[];
    return lineageRows(procs).map((r) => ({ host: this.host, capture_id: this.captureId, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, this.value({ name: k, kind: typeof v === 'string' ? 'text' : 'int', notNull: false }, v)])) }));
  }

  /** One value as JSON for its ClickHouse column: Int64 as a decimal string, text well-formed, bytes as hex. */
  private value(c: ShipColumn, v: unknown): unknown {
    if (v === null || v === undefined) {
      if (!c.notNull) return null;
      this.coerced++;
      return c.kind === 'int' ? '0' : '';
    }
    if (c.kind === 'int') {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number' && Number.isInteger(v)) return String(v);
      this.coerced++;
      return c.notNull ? '0' : null;
    }
    if (c.kind === 'blob') return (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8')).toString('hex');
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    // A lone surrogate makes ClickHouse refuse the whole insert.
    return String(v).replace(LONE_SURROGATE, '\ufffd');
  }

  /** A capture row as a fleet row: host, capture id, the values, and the wall-clock twins. */
  private toFleetRow(columns: readonly ShipColumn[], r: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { host: this.host, capture_id: this.captureId };
    for (const c of columns) out[c.name] = this.value(c, r[c.name]);
    for (const w of wallColumns(columns)) {
      const v = r[w.from];
      out[w.name] = typeof v === 'bigint' ? (v + this.offsetNs).toString() : null;
    }
    return out;
  }

  /** Closes the capture. */
  close(): void {
    this.db.close();
    this.reader.close();
  }
}
