import { createPublicKey } from 'node:crypto';
import type Database from 'better-sqlite3';
import { MANIFEST_FORMAT, keyFingerprint } from '../chain-encoding.js';
import { CHAIN_SINCE, ident } from '../schema.js';

/** What a quick look at a capture's chain says (a full check is `ebpfsh verify`). */
export interface ChainStatus {
  /** sealed: manifest present and consistent with the chain's head and the tables' last ids; open: no manifest (unclean stop); broken: the quick check already fails; unverifiable: no chain. */
  state: 'sealed' | 'open' | 'broken' | 'unverifiable';
  /** Batches in the chain (genesis not counted). */
  batches: number;
  /** Fingerprint of the key that signed the manifest, when signed (the signature is checked only by `verify --key`). */
  signedBy?: string;
  /** Why it is broken, or what is missing. */
  reason?: string;
}

/**
 * The cheap check readers run before showing a capture: chain rows without
 * gaps up to the last, the manifest's head and batch count against the last
 * chain row, and each table's last id against the manifest's count. It reads
 * only the chain and manifest rows and one rowid lookup per table: no event
 * is read, so opening a big capture costs nothing noticeable. Edits inside
 * the rows are found only by `ebpfsh verify`.
 */
export function chainStatus(db: Database.Database, version: number): ChainStatus {
  if (version < CHAIN_SINCE) return { state: 'unverifiable', batches: 0, reason: 'recorded before the integrity chain' };
  const head = db.prepare('SELECT count(*) AS n, max(seq) AS last, min(seq) AS first FROM chain').get() as { n: number; last: number | null; first: number | null };
  const genesis = db.prepare('SELECT kind FROM chain WHERE seq = 0').pluck().get() as unknown;
  if (genesis === 'migrated') return { state: 'unverifiable', batches: 0, reason: 'recorded before the integrity chain' };
  if (genesis !== 'genesis' || head.last === null) return { state: 'broken', batches: 0, reason: 'the chain has no genesis row' };
  const batches = head.last;
  if (head.first !== 0 || head.n !== batches + 1) return { state: 'broken', batches, reason: 'chain rows are missing' };
  const m = db.prepare('SELECT body, public_key, signature FROM manifest').get() as { body: unknown; public_key: unknown; signature: unknown } | undefined;
  if (!m) {
    const last = db.prepare('SELECT kind FROM chain WHERE seq = ?').pluck().get(batches) as unknown;
    const clean = db.prepare('SELECT clean_stop FROM capture').pluck().get() as unknown;
    if (last === 'final' || clean === 1) return { state: 'broken', batches, reason: 'the manifest is missing' };
    return { state: 'open', batches, reason: 'no manifest: the recording did not stop cleanly' };
  }
  let body: Record<string, unknown> | undefined;
  try {
    const v = typeof m.body === 'string' && m.body.length <= 1 << 20 ? (JSON.parse(m.body) as unknown) : undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
  } catch {
    // malformed
  }
  if (!body || body.format !== MANIFEST_FORMAT) return { state: 'broken', batches, reason: 'the manifest is malformed' };
  const lastHash = db.prepare('SELECT hex(hash) FROM chain WHERE seq = ?').pluck().get(batches) as string;
  if (body.batches !== batches || typeof body.head !== 'string' || body.head.toUpperCase() !== lastHash)
    return { state: 'broken', batches, reason: typeof body.batches === 'number' && body.batches > batches ? 'truncated: the chain ends before the manifest\'s head' : "the chain does not end at the manifest's head" };
  const counts = body.counts && typeof body.counts === 'object' ? (body.counts as Record<string, unknown>) : {};
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('chain', 'manifest', 'capture') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().all() as string[];
  for (const t of tables) {
    const max = (db.prepare(`SELECT max(id) FROM ${ident(t)}`).pluck().get() as number | null) ?? 0;
    if (max !== (counts[t] ?? 0)) return { state: 'broken', batches, reason: `${t} does not end at the manifest's count` };
  }
  let signedBy: string | undefined;
  if (typeof m.public_key === 'string' && m.signature instanceof Uint8Array) {
    try {
      signedBy = keyFingerprint(createPublicKey(m.public_key).export({ type: 'spki', format: 'der' }));
    } catch {
      return { state: 'broken', batches, reason: "the manifest's public key is malformed" };
    }
  }
  return { state: 'sealed', batches, signedBy };
}
