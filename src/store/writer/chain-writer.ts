import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type Database from 'better-sqlite3';
import { CURRENT_CHAIN_FORMAT, MANIFEST_FORMAT, TableHasher, ZERO_HASH, batchHash, chainedTables, checkGenesis, genesisHash, tableColumns, type BatchTable, type ChainFormat, type RangeDigest } from '../chain-encoding.js';
import { ident } from '../schema.js';

/** The statement that writes the genesis: run by createCapture in the transaction that creates the capture row. */
export function writeGenesis(db: Database.Database): void {
  db.prepare("INSERT INTO chain (seq, kind, prev_hash, hash, rows, tables) VALUES (0, 'genesis', ?, ?, 0, '[]')").run(ZERO_HASH, genesisHash(db));
}

/** The table a statement inserts into or updates (undefined for anything else). */
export function tableOfStatement(sql: string): string | undefined {
  const m = /^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE)\s+(?:"((?:[^"]|"")+)"|(\w+))/i.exec(sql);
  return m ? (m[1]?.replace(/""/g, '"') ?? m[2]) : undefined;
}

/** A batch appended in the current transaction, made the chain's state only once that transaction commits. */
interface Pending {
  seq: number;
  hash: Buffer;
  lastId: Map<string, number>;
}

/**
 * Chains the rows each transaction inserts. After a transaction's statements
 * ran, and before it commits, `append` finds per table the rows above the
 * last id chained (ids grow by one per insert), hashes them as they are now
 * in the file, and writes the batch's chain row. Rows a statement touched
 * through `RETURNING id` (the process table's upserts, which change rows
 * after inserting them) are chained as chain_updates rows instead: the hash
 * of the row as this transaction left it. Generic over tables: any table
 * the capture holds is covered, including ones added later.
 */
export class ChainWriter {
  /** False for a capture without a chain (recorded before schema 4): nothing is appended. */
  readonly enabled: boolean;
  /** The encoding of this capture's chain (its genesis says which): batches appended continue in it. */
  readonly format: ChainFormat = CURRENT_CHAIN_FORMAT;
  private seq = 0;
  private head: Buffer = ZERO_HASH;
  private lastId = new Map<string, number>();
  private touched = new Map<string, Set<number>>();
  /** Digests the writer computed from the values it bound (chain-rows.ts), by table: [first id, last id, digest]. */
  private known = new Map<string, { lo: number; hi: number; d: RangeDigest }>();
  private readonly layouts = new Map<string, string>();
  private pending: Pending | undefined;
  private readonly hashers = new Map<string, TableHasher>();
  private readonly insertUpdate: Database.Statement | undefined;

  constructor(private readonly db: Database.Database) {
    const hasChain = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'chain'").get() !== undefined;
    const last = hasChain ? (db.prepare('SELECT seq, kind, hash FROM chain ORDER BY seq DESC LIMIT 1').get() as { seq: number; kind: string; hash: Buffer } | undefined) : undefined;
    this.enabled = !!last && last.kind !== 'migrated';
    if (!this.enabled || !last) return;
    const genesis = db.prepare("SELECT hash FROM chain WHERE seq = 0 AND kind = 'genesis'").pluck().get() as Uint8Array | undefined;
    if (genesis) this.format = checkGenesis(db, genesis, db.pragma('user_version', { simple: true }) as number).format;
    this.seq = last.seq;
    this.head = Buffer.from(last.hash);
    for (const t of db.prepare('SELECT tables FROM chain').pluck().all() as string[]) {
      for (const [table, , hi] of JSON.parse(t) as BatchTable[]) this.lastId.set(table, Math.max(hi, this.lastId.get(table) ?? 0));
    }
    this.insertUpdate = db.prepare('INSERT INTO chain_updates (seq, tbl, row_id, row_hash) VALUES (?, ?, ?, ?)');
  }

  /** Notes rows of `table` a statement of this transaction inserted or changed (its RETURNING ids). */
  touch(table: string, ids: Iterable<number>): void {
    if (!this.enabled) return;
    let s = this.touched.get(table);
    if (!s) this.touched.set(table, (s = new Set()));
    for (const id of ids) s.add(id);
  }

  /** True when `table`'s columns in the file are exactly id then `columns` (so a digest from bound values matches the rows). */
  sameLayout(table: string, columns: readonly string[]): boolean {
    let have = this.layouts.get(table);
    // Names and declared types: the digest from bound values assumes INTEGER, TEXT and BLOB where the probe spec says.
    if (have === undefined) this.layouts.set(table, (have = tableColumns(this.db, table).map((c) => `${c.name}:${c.type}`).join(',')));
    return have === ['id:INTEGER', ...columns].join(',');
  }

  /** The largest id of `table` now (before a columnar insert: its rows get the ids after it). */
  lastIdOf(table: string): number {
    return this.maxId(table) ?? 0;
  }

  /** Offers the digest (chain-2: digestRowsOp) of rows lo..hi of `table` computed from the bound values; used when they are exactly what the transaction inserted. */
  offer(table: string, lo: number, hi: number, d: RangeDigest): void {
    if (!this.enabled || this.format !== 2) return;
    // Two offers for one table in a transaction: not contiguous as one; read back instead.
    if (this.known.has(table)) this.known.set(table, { lo: 0, hi: -1, d });
    else this.known.set(table, { lo, hi, d });
  }

  /** Chains what this transaction inserted as batch `kind`; call inside the transaction, then commit() or rollback() after it. Returns the batch's seq (undefined: nothing to chain). */
  append(kind: 'batch' | 'final' | 'recovered'): number | undefined {
    if (!this.enabled) return undefined;
    const seq = this.seq + 1;
    // The rows changed in place first: their chain_updates rows are themselves inserted rows of this batch.
    for (const [table, ids] of this.touched) {
      const h = this.hasher(table);
      for (const id of [...ids].sort((a, b) => a - b)) {
        const hash = h.rowHash(id);
        if (hash) this.insertUpdate!.run(seq, table, id, hash);
      }
    }
    const lastId = new Map(this.lastId);
    const parts: BatchTable[] = [];
    let rows = 0;
    let tsMin: number | null = null;
    let tsMax: number | null = null;
    for (const table of chainedTables(this.db)) {
      const from = lastId.get(table) ?? 0;
      const max = this.maxId(table);
      if (max === null || max <= from) continue;
      const versioned = [...(this.touched.get(table) ?? [])].filter((id) => id > from && id <= max).sort((a, b) => a - b);
      const k = this.known.get(table);
      const d = k && !versioned.length && k.lo === from + 1 && k.hi === max ? k.d : this.hasher(table).range(from + 1, max, versioned);
      parts.push([table, from + 1, max, d.rows, d.digest]);
      lastId.set(table, max);
      rows += d.rows;
      if (d.tsMin !== null) tsMin = tsMin === null ? d.tsMin : Math.min(tsMin, d.tsMin);
      if (d.tsMax !== null) tsMax = tsMax === null ? d.tsMax : Math.max(tsMax, d.tsMax);
    }
    this.touched = new Map();
    this.known = new Map();
    if (!parts.length && kind === 'batch') return undefined;
    const tables = JSON.stringify(parts);
    const hash = batchHash(this.head, { seq, kind, tsMin, tsMax, rows, tables }, this.format);
    this.db.prepare('INSERT INTO chain (seq, kind, prev_hash, hash, ts_min, ts_max, rows, tables) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(seq, kind, this.head, hash, tsMin, tsMax, rows, tables);
    this.pending = { seq, hash, lastId };
    return seq;
  }

  /** The transaction committed: its batch is the chain's head now. */
  commit(): void {
    if (!this.pending) return;
    this.seq = this.pending.seq;
    this.head = this.pending.hash;
    this.lastId = this.pending.lastId;
    this.pending = undefined;
  }

  /** The transaction rolled back: forget what it touched and appended. */
  rollback(): void {
    this.pending = undefined;
    this.touched = new Map();
    this.known = new Map();
  }

  /**
   * Writes the manifest (inside the final transaction, after append('final')):
   * the canonical body, and with `signKeyPem` (PKCS#8 Ed25519) its signature
   * and the public key.
   */
  writeManifest(signKeyPem?: string): void {
    if (!this.enabled || !this.pending) return;
    const c = this.db.prepare('SELECT tool_version, hostname, boot_id, start_ns, end_ns, start_time, end_time, clean_stop, stop_reason FROM capture').get() as Record<string, unknown>;
    const counts: Record<string, number> = {};
    for (const [t, n] of [...this.pending.lastId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) counts[t] = n;
    const body = manifestBody({
      head: this.pending.hash.toString('hex'),
      batches: this.pending.seq,
      counts,
      tool_version: c.tool_version,
      hostname: c.hostname,
      boot_id: c.boot_id,
      start_ns: c.start_ns,
      end_ns: c.end_ns,
      start_time: c.start_time,
      end_time: c.end_time,
      clean_stop: c.clean_stop,
      stop_reason: c.stop_reason,
    });
    let publicKey: string | null = null;
    let signature: Buffer | null = null;
    if (signKeyPem) {
      const key = createPrivateKey(signKeyPem);
      publicKey = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
      signature = sign(null, Buffer.from(body, 'utf8'), key);
    }
    this.db.prepare('INSERT INTO manifest (id, body, public_key, signature) VALUES (1, ?, ?, ?)').run(body, publicKey, signature);
  }

  private readonly maxIds = new Map<string, Database.Statement>();

  /** The table's largest id (a rowid lookup; the statement is prepared once per table). */
  private maxId(table: string): number | null {
    let s = this.maxIds.get(table);
    if (!s) this.maxIds.set(table, (s = this.db.prepare(`SELECT max(id) FROM ${ident(table)}`).pluck()));
    return s.get() as number | null;
  }

  private hasher(table: string): TableHasher {
    let h = this.hashers.get(table);
    if (!h) this.hashers.set(table, (h = new TableHasher(this.db, table, this.format)));
    return h;
  }
}

/** The manifest's fields, in their canonical order. */
export interface ManifestFields {
  head: string;
  batches: number;
  counts: Record<string, number>;
  tool_version: unknown;
  hostname: unknown;
  boot_id: unknown;
  start_ns: unknown;
  end_ns: unknown;
  start_time: unknown;
  end_time: unknown;
  clean_stop: unknown;
  stop_reason: unknown;
}

/** The canonical manifest body: JSON with the keys in this fixed order, counts sorted by table (the signed bytes). */
export function manifestBody(f: ManifestFields): string {
  return JSON.stringify({ format: MANIFEST_FORMAT, ...f });
}
