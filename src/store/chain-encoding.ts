/*
 * The integrity chain's canonical encodings, shared by the writer (which
 * chains each committed transaction) and `ebpfsh verify` (which recomputes
 * it). Both read rows back from SQLite with the same SQL, so what is hashed
 * is exactly what the file stores, byte for byte, whatever the column
 * affinities did to the values bound (the writer's usual path computes the
 * same bytes from the values it bound: writer/chain-rows.ts).
 * docs/capture-format.md ("Integrity chain") is the specification; keep them
 * in step. Two encodings: ebpfsh-chain-1 (text, captures of schema 4 and 5)
 * and ebpfsh-chain-2 (binary, from schema 6); a capture's genesis says which.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { CHAIN_2_SINCE, ident } from './schema.js';

/** A chain encoding: 1 (text, schema 4-5) or 2 (binary, schema 6 on). */
export type ChainFormat = 1 | 2;
/** The encoding new captures are written in. */
export const CURRENT_CHAIN_FORMAT: ChainFormat = 2;
/** Names of the encodings; each is part of every hash, so two encodings can never collide. */
export const CHAIN_FORMAT_NAMES: Record<ChainFormat, string> = { 1: 'ebpfsh-chain-1', 2: 'ebpfsh-chain-2' };
/** The name of the encoding new captures are written in. */
export const CHAIN_FORMAT = CHAIN_FORMAT_NAMES[CURRENT_CHAIN_FORMAT];
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
 * Chain-1's SQL expression of one row's canonical text: each column in
 * table order, comma-separated, the row ended by a newline. In a column
 * declared TEXT, a text value is 'T' and the hex of all its UTF-8 bytes
 * (quote() stops at a NUL); every other value is quote(): an integer in
 * decimal, a real with a '.' or an exponent, a BLOB as X'hex', NULL as NULL,
 * a text quoted. Columns declared INTEGER or BLOB use quote() alone: the
 * recorder never writes text there, and a text put there differs from any
 * number or blob by its quotes (this halves the cost of verifying, measured).
 */
function rowExprSql1(columns: readonly ChainColumn[]): string {
  const parts = columns.map(({ name, type }) => {
    const c = ident(name);
    return type.toUpperCase() === 'TEXT' ? `iif(typeof(${c}) = 'text', 'T' || hex(${c}), quote(${c}))` : `quote(${c})`;
  });
  return `concat_ws(',', ${parts.join(', ')}) || char(10)`;
}

/** Chain-2's value tags (one byte before each value). */
export const TAG = { NULL: 0x4e, INTEGER: 0x49, REAL: 0x52, TEXT: 0x54, BLOB: 0x42, VERSIONED: 0x56 } as const;

/**
 * Chain-2's SQL expression of the uppercase hex of one value's bytes: a tag
 * byte for its storage class, then 'I' an integer as 8 bytes big-endian two's
 * complement; 'T' a text and 'B' a blob as a 4-byte big-endian byte length
 * and the bytes as stored; 'R' a real as the length and the ASCII of SQLite's
 * quote() of it; 'N' NULL alone. The storage class decides, not the declared
 * type: a text put in an INTEGER column can never equal a number.
 */
function valueHexSql(c: string, type: string): string {
  const general = `CASE typeof(${c}) WHEN 'integer' THEN '49' || printf('%016X', ${c}) WHEN 'text' THEN '54' || printf('%08X', octet_length(${c})) || hex(${c}) WHEN 'null' THEN '4E' WHEN 'blob' THEN '42' || printf('%08X', length(${c})) || hex(${c}) ELSE '52' || printf('%08X', length(quote(${c}))) || hex(quote(${c})) END`;
  // The storage class the recorder writes in a column of this declared type first (measured: a CASE per value costs).
  const t = type.toUpperCase();
  if (t === 'INTEGER') return `iif(typeof(${c}) = 'integer', '49' || printf('%016X', ${c}), iif(${c} IS NULL, '4E', ${general}))`;
  if (t === 'TEXT') return `iif(typeof(${c}) = 'text', '54' || printf('%08X', octet_length(${c})) || hex(${c}), iif(${c} IS NULL, '4E', ${general}))`;
  return general;
}

/** printf() arguments at most in one row's fast form (SQLite allows 127 per function call). */
const MAX_PRINTF_ARGS = 100;
/** Fast forms at most per table (each costs a typeof() per column for the rows that match none before it). */
const MAX_FORMS = 4;

/** A row's storage classes, one letter per column (typeof's first: i, t, b, n, r). */
export type ClassPattern = string;

/** The storage classes the recorder usually writes in columns of these declared types: INTEGER an integer, TEXT a text, a raw twin (BLOB) NULL. */
function usualPattern(columns: readonly ChainColumn[]): ClassPattern {
  return columns.map(({ type }) => (type.toUpperCase() === 'INTEGER' ? 'i' : type.toUpperCase() === 'TEXT' ? 't' : 'n')).join('');
}

/** One printf() that renders a row whose columns hold exactly the storage classes of `pattern`; undefined when it cannot (a REAL, too many arguments). */
function patternForm(columns: readonly ChainColumn[], pattern: ClassPattern): { when: string; form: string } | undefined {
  const fmt: string[] = [];
  const args: string[] = [];
  const when: string[] = [];
  for (let k = 0; k < columns.length; k++) {
    const c = ident(columns[k]!.name);
    const cls = pattern[k];
    if (cls === 'i') {
      fmt.push('49%016X');
      args.push(c);
      when.push(`typeof(${c}) = 'integer'`);
    } else if (cls === 't' || cls === 'b') {
      fmt.push(cls === 't' ? '54%08X%s' : '42%08X%s');
      args.push(cls === 't' ? `octet_length(${c})` : `length(${c})`, `hex(${c})`);
      when.push(`typeof(${c}) = '${cls === 't' ? 'text' : 'blob'}'`);
    } else if (cls === 'n') {
      fmt.push('4E');
      when.push(`${c} IS NULL`);
    } else return undefined;
  }
  if (args.length > MAX_PRINTF_ARGS) return undefined;
  return { when: when.join(' AND '), form: args.length ? `printf('${fmt.join('')}', ${args.join(', ')})` : `'${fmt.join('')}'` };
}

/**
 * Chain-2's SQL expression of one row's bytes, in uppercase hex: each
 * column's value in table order (the row's length follows from the table's
 * columns). A row whose storage classes are one of `patterns` (or the usual
 * ones for its declared types) is rendered by one printf() (measured: a
 * third of the cost of a function call per value); any other row value by
 * value. The patterns only choose the SQL, never the bytes.
 */
function rowExprSql2(columns: readonly ChainColumn[], patterns: readonly ClassPattern[] = []): string {
  const each = `concat(${columns.map(({ name, type }) => valueHexSql(ident(name), type)).join(', ')})`;
  const forms = [...new Set([...patterns, usualPattern(columns)])]
    .slice(0, MAX_FORMS)
    .map((p) => patternForm(columns, p))
    .filter((f) => f !== undefined);
  if (!forms.length || !columns.length) return each;
  return `CASE ${forms.map((f) => `WHEN ${f.when} THEN ${f.form}`).join(' ')} ELSE ${each} END`;
}

/** The commonest storage-class patterns among a table's first rows (they choose verify's fast SQL forms). */
function samplePatterns(db: Database.Database, table: string, columns: readonly ChainColumn[]): ClassPattern[] {
  if (!columns.length) return [];
  const p = `concat(${columns.map(({ name }) => `substr(typeof(${ident(name)}), 1, 1)`).join(', ')})`;
  const rows = db.prepare(`SELECT p FROM (SELECT ${p} AS p FROM ${ident(table)} ORDER BY id LIMIT 2000) GROUP BY p ORDER BY count(*) DESC LIMIT ${MAX_FORMS}`).pluck().all() as string[];
  return rows;
}

/** The SQL expression of one row's canonical encoding in `format`: text (chain-1) or the hex of the bytes (chain-2). */
export function rowExprSql(columns: readonly ChainColumn[], format: ChainFormat = CURRENT_CHAIN_FORMAT, patterns?: readonly ClassPattern[]): string {
  return format === 1 ? rowExprSql1(columns) : rowExprSql2(columns, patterns);
}

/** What a table's digest starts with: chain-1 `<table>\n`; chain-2 the name as a TEXT value ('T', 4-byte length, UTF-8). */
export function tablePrefix(table: string, format: ChainFormat): Buffer {
  if (format === 1) return Buffer.from(`${table}\n`, 'utf8');
  const name = Buffer.from(table, 'utf8');
  const b = Buffer.alloc(5 + name.length);
  b[0] = TAG.TEXT;
  b.writeUInt32BE(name.length, 1);
  name.copy(b, 5);
  return b;
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
  /** SHA-256 hex of the table name and the rows' canonical encoding. */
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
  private readonly prefix: Buffer;
  /** How SQLite's string is fed to the hash: chain-1's text as UTF-8, chain-2's bytes from their hex. */
  private readonly enc: BufferEncoding;

  constructor(
    db: Database.Database,
    readonly table: string,
    readonly format: ChainFormat = CURRENT_CHAIN_FORMAT,
    readonly columns: readonly ChainColumn[] = tableColumns(db, table),
  ) {
    const expr = rowExprSql(columns, format, format === 2 ? samplePatterns(db, table, columns) : undefined);
    const t = timeColumn(columns);
    const ts = t ? ident(t) : 'NULL';
    this.prefix = tablePrefix(table, format);
    this.enc = format === 1 ? 'utf8' : 'hex';
    // The rows in id order through a subquery: its ORDER BY is the rowid search's own order (no sort), where
    // group_concat(... ORDER BY id) builds a temporary B-tree (measured: ~30% slower).
    // Chain-2's hex becomes bytes inside SQLite (unhex): no JS string of twice the size to make and decode (measured).
    const cat = format === 1 ? `group_concat(x, '')` : `unhex(group_concat(x, ''))`;
    const agg = (x: string) => `SELECT ${cat}, count(*), min(t), max(t) FROM (SELECT ${x} AS x, ${ts} AS t FROM ${ident(table)} WHERE id BETWEEN ? AND ? ORDER BY id)`;
    this.plain = db.prepare(agg(expr)).raw(true);
    // A row the batch wrote through chain_updates stands as 'V<id>' (chain-2: 'V' and the id's 8 bytes) here: its content is checked against its last update.
    const v = format === 1 ? `'V' || id || char(10)` : `'56' || printf('%016X', id)`;
    this.versioned = db.prepare(agg(`iif(id IN (SELECT value FROM json_each(?)), ${v}, ${expr})`)).raw(true);
    this.one = db.prepare(`SELECT ${expr} FROM ${ident(table)} WHERE id = ?`).pluck();
    this.all = db.prepare(`SELECT id, ${expr} FROM ${ident(table)} ORDER BY id`).raw(true);
  }

  /** [id, SHA-256 of the row as it is now] for every row, in id order. */
  *allRowHashes(): Generator<[number, Buffer]> {
    for (const [id, text] of this.all.iterate() as IterableIterator<[number, string]>) yield [id, createHash('sha256').update(this.prefix).update(text, this.enc).digest()];
  }

  /** Digest of the rows with ids lo..hi; `versioned`: ids whose content stands as 'V<id>' (their chain_updates rows cover it). */
  range(lo: number, hi: number, versioned?: readonly number[]): RangeDigest {
    const h = createHash('sha256').update(this.prefix);
    const list = versioned?.length ? JSON.stringify(versioned) : undefined;
    let rows = 0;
    let tsMin: number | null = null;
    let tsMax: number | null = null;
    for (let a = lo; a <= hi; a += CHUNK_IDS) {
      const b = Math.min(hi, a + CHUNK_IDS - 1);
      const r = (list ? this.versioned.get(list, a, b) : this.plain.get(a, b)) as [string | Buffer | null, number, unknown, unknown];
      if (typeof r[0] === 'string') h.update(r[0], 'utf8');
      else if (r[0] !== null) h.update(r[0]);
      rows += r[1];
      if (typeof r[2] === 'number') tsMin = tsMin === null ? r[2] : Math.min(tsMin, r[2]);
      if (typeof r[3] === 'number') tsMax = tsMax === null ? r[3] : Math.max(tsMax, r[3]);
    }
    return { digest: h.digest('hex'), rows, tsMin, tsMax };
  }

  /** SHA-256 of one row as it is now (for chain_updates); undefined when the row is gone. */
  rowHash(id: number): Buffer | undefined {
    const text = this.one.get(id) as string | undefined;
    return text === undefined ? undefined : createHash('sha256').update(this.prefix).update(text, this.enc).digest();
  }
}

/**
 * The genesis hash in `format`: the format's name and the capture row's fixed
 * columns. `asVersion`: hash it as if capture.schema_version held that (a
 * capture migrated in place by `ebpfsh recover` has the newer version there).
 */
export function genesisHash(db: Database.Database, format: ChainFormat = CURRENT_CHAIN_FORMAT, asVersion?: number): Buffer {
  const declared = new Map(tableColumns(db, 'capture').map((c) => [c.name, c.type]));
  const cols = GENESIS_COLUMNS.map((name) => ({ name, type: declared.get(name) ?? 'TEXT' }));
  const from = asVersion === undefined ? 'capture' : `(SELECT ${GENESIS_COLUMNS.map((c) => (c === 'schema_version' ? `${Math.trunc(asVersion)} AS schema_version` : ident(c))).join(', ')} FROM capture)`;
  const text = db.prepare(`SELECT ${rowExprSql(cols, format)} FROM ${from}`).pluck().get() as string | undefined;
  return createHash('sha256').update(`${CHAIN_FORMAT_NAMES[format]} genesis\n`).update(text ?? '', format === 1 ? 'utf8' : 'hex').digest();
}

/** What a capture's genesis says of its chain: the encoding, and whether the capture row still hashes to it. */
export interface GenesisCheck {
  format: ChainFormat;
  /** The capture row's fixed columns hash to the genesis row's hash. */
  matches: boolean;
  /** The schema version the genesis was written at, when a later migration in place changed capture.schema_version. */
  migratedFrom?: number;
}

/**
 * Which encoding a capture's chain is in: the one whose genesis hash the
 * capture row gives (chain-2, then chain-1, also as written at schema 4 or 5
 * before a migration in place). When none does (the capture row was edited)
 * the guess is by schema: chain-2 from schema 6.
 */
export function checkGenesis(db: Database.Database, genesis: Uint8Array, schemaVersion: number): GenesisCheck {
  const want = Buffer.from(genesis);
  if (want.equals(genesisHash(db, 2))) return { format: 2, matches: true };
  if (want.equals(genesisHash(db, 1))) return { format: 1, matches: true };
  for (const v of [4, 5]) if (v < schemaVersion && want.equals(genesisHash(db, 1, v))) return { format: 1, matches: true, migratedFrom: v };
  return { format: schemaVersion >= CHAIN_2_SINCE ? 2 : 1, matches: false };
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

/** A batch's hash: SHA-256 of the previous hash and the batch's facts (which hold each table's digest), in `format`. */
export function batchHash(prev: Uint8Array, f: BatchFacts, format: ChainFormat = CURRENT_CHAIN_FORMAT): Buffer {
  return createHash('sha256')
    .update(prev)
    .update(`${CHAIN_FORMAT_NAMES[format]}\n${f.seq}\n${f.kind}\n${f.tsMin ?? ''}\n${f.tsMax ?? ''}\n${f.rows}\n${f.tables}`)
    .digest();
}

/** SHA-256 hex of an Ed25519 public key's SPKI DER: the fingerprint shown to the responder. */
export function keyFingerprint(spkiDer: Uint8Array): string {
  return createHash('sha256').update(spkiDer).digest('hex');
}
