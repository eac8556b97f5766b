/*
 * The integrity chain's canonical encoding, shared by the writer (which
 * chains each committed transaction) and `ebpfsh verify` (which recomputes
 * it). Both read the rows back from SQLite with the same SQL, so what is
 * hashed is exactly what the file stores, byte for byte, whatever the
 * column affinities did to the values bound. docs/capture-format.md
 * ("Integrity chain") is the specification; keep them in step.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ident } from './schema.js';

/** Names the encoding; part of every hash, so a future encoding can never collide with this one. */
export const CHAIN_FORMAT = 'ebpfsh-chain-1';
/** Names the manifest's canonical body. */
export const MANIFEST_FORMAT = 'ebpfsh-manifest-1';
/** prev_hash of the genesis. */
export const ZERO_HASH = Buffer.alloc(32);

/** Tables whose rows are not chained: the chain itself, the manifest, and the capture row (covered by the genesis and the manifest). */
const UNCHAINED = new Set(['chain', 'manifest', 'capture']);

/** The capture row's columns fixed at creation: the genesis hash covers them (the rest are the stop record, in the manifest). */
export const GENESIS_COLUMNS = ['id', 'tool', 'tool_version', 'schema_version', 'hostname', 'kernel_release', 'boot_id', 'clock_offset_ns', 'start_ns', 'start_time', 'command_line', 'recorder_pid'] as const;

/** Ids per statement when reading a range back: bounds the string SQLite hands over. */
const CHUNK_IDS = 4096;

/** A column as the file declares it: its name and declared type. */
export interface ChainColumn {
  name: string;
  type: string;
}

/**
 * The SQL expression of one row's canonical text: each column in table
 * order, comma-separated, the row ended by a newline. In a column declared
 * TEXT, a text value is 'T' and the hex of all its UTF-8 bytes (quote()
 * stops at a NUL); every other value is quote(): an integer in decimal, a
 * real with a '.' or an exponent, a BLOB as X'hex', NULL as NULL, a text
 * quoted. Columns declared INTEGER or BLOB use quote() alone: the recorder
 * never writes text there, and a text put there differs from any number or
 * blob by its quotes (this halves the cost of verifying, measured).
 */
export function rowExprSql(columns: readonly ChainColumn[]): string {
  const parts = columns.map(({ name, type }) => {
    const c = ident(name);
    return type.toUpperCase() === 'TEXT' ? `iif(typeof(${c}) = 'text', 'T' || hex(${c}), quote(${c}))` : `quote(${c})`;
  });
  return `concat_ws(',', ${parts.join(', ')}) || char(10)`;
}

/** The chained tables of a capture, sorted by name: every table but the unchained ones and SQLite's own. */
export function chainedTables(db: Database.Database): string[] {
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
  return names.filter((n) => !UNCHAINED.has(n)).sort();
}

/** A table's columns, in table order (as the file has them: a column added or dropped changes every row's hash). */
export function tableColumns(db: Database.Database, table: string): ChainColumn[] {
  return db.prepare('SELECT name, type FROM pragma_table_info(?) ORDER BY cid').all(table) as ChainColumn[];
}

/** The column whose range a batch reports: ts, else start_ns, else none. */
function timeColumn(columns: readonly ChainColumn[]): string | undefined {
  const names = columns.map((c) => c.name);
  return names.includes('ts') ? 'ts' : names.includes('start_ns') ? 'start_ns' : undefined;
}

/** What one table's rows in one batch hash to. */
export interface RangeDigest {
  /** SHA-256 hex of the table name and the rows' canonical text. */
  digest: string;
  /** Rows found in the range. */
  rows: number;
  tsMin: number | null;
  tsMax: number | null;
}

/** Prepared statements over one table, reused for every range. */
export class TableHasher {
  private readonly plain: Database.Statement;
  private readonly versioned: Database.Statement;
  private readonly one: Database.Statement;
  private readonly all: Database.Statement;

  constructor(db: Database.Database, readonly table: string, readonly columns: readonly ChainColumn[] = tableColumns(db, table)) {
    const expr = rowExprSql(columns);
    const t = timeColumn(columns);
    const ts = t ? ident(t) : 'NULL';
    // The rows in id order through a subquery: its ORDER BY is the rowid search's own order (no sort), where
    // group_concat(... ORDER BY id) builds a temporary B-tree (measured: ~30% slower).
    const agg = (x: string) => `SELECT group_concat(x, ''), count(*), min(t), max(t) FROM (SELECT ${x} AS x, ${ts} AS t FROM ${ident(table)} WHERE id BETWEEN ? AND ? ORDER BY id)`;
    this.plain = db.prepare(agg(expr)).raw(true);
    // A row the batch wrote through chain_updates stands as 'V<id>' here: its content is checked against its last update.
    this.versioned = db.prepare(agg(`iif(id IN (SELECT value FROM json_each(?)), 'V' || id || char(10), ${expr})`)).raw(true);
    this.one = db.prepare(`SELECT ${expr} FROM ${ident(table)} WHERE id = ?`).pluck();
    this.all = db.prepare(`SELECT id, ${expr} FROM ${ident(table)} ORDER BY id`).raw(true);
  }

  /** [id, SHA-256 of the row as it is now] for every row, in id order. */
  *allRowHashes(): Generator<[number, Buffer]> {
    for (const [id, text] of this.all.iterate() as IterableIterator<[number, string]>) yield [id, createHash('sha256').update(`${this.table}\n`).update(text).digest()];
  }

  /** Digest of the rows with ids lo..hi; `versioned`: ids whose content stands as 'V<id>' (their chain_updates rows cover it). */
  range(lo: number, hi: number, versioned?: readonly number[]): RangeDigest {
    const h = createHash('sha256').update(`${this.table}\n`);
    const list = versioned?.length ? JSON.stringify(versioned) : undefined;
    let rows = 0;
    let tsMin: number | null = null;
    let tsMax: number | null = null;
    for (let a = lo; a <= hi; a += CHUNK_IDS) {
      const b = Math.min(hi, a + CHUNK_IDS - 1);
      const r = (list ? this.versioned.get(list, a, b) : this.plain.get(a, b)) as [string | null, number, unknown, unknown];
      if (r[0] !== null) h.update(r[0]);
      rows += r[1];
      if (typeof r[2] === 'number') tsMin = tsMin === null ? r[2] : Math.min(tsMin, r[2]);
      if (typeof r[3] === 'number') tsMax = tsMax === null ? r[3] : Math.max(tsMax, r[3]);
    }
    return { digest: h.digest('hex'), rows, tsMin, tsMax };
  }

  /** SHA-256 of one row as it is now (for chain_updates); undefined when the row is gone. */
  rowHash(id: number): Buffer | undefined {
    const text = this.one.get(id) as string | undefined;
    return text === undefined ? undefined : createHash('sha256').update(`${this.table}\n`).update(text).digest();
  }
}

/** The genesis hash: the format and the capture row's fixed columns. */
export function genesisHash(db: Database.Database): Buffer {
  const declared = new Map(tableColumns(db, 'capture').map((c) => [c.name, c.type]));
  const cols = GENESIS_COLUMNS.map((name) => ({ name, type: declared.get(name) ?? 'TEXT' }));
  const text = db.prepare(`SELECT ${rowExprSql(cols)} FROM capture`).pluck().get() as string | undefined;
  return createHash('sha256').update(`${CHAIN_FORMAT} genesis\n`).update(text ?? '').digest();
}

/** One table's part of a batch: [table, first id, last id, rows, digest hex]. */
export type BatchTable = [string, number, number, number, string];

/** What a batch row states, besides its hashes. */
export interface BatchFacts {
  seq: number;
  kind: string;
  tsMin: number | null;
  tsMax: number | null;
  rows: number;
  /** The `tables` column text: JSON of BatchTable[], sorted by table name. */
  tables: string;
}

/** A batch's hash: SHA-256 of the previous hash and the batch's facts (which hold each table's digest). */
export function batchHash(prev: Uint8Array, f: BatchFacts): Buffer {
  return createHash('sha256')
    .update(prev)
    .update(`${CHAIN_FORMAT}\n${f.seq}\n${f.kind}\n${f.tsMin ?? ''}\n${f.tsMax ?? ''}\n${f.rows}\n${f.tables}`)
    .digest();
}

/** SHA-256 hex of an Ed25519 public key's SPKI DER: the fingerprint shown to the responder. */
export function keyFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}
