import Database from 'better-sqlite3';
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { closeSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CHAIN_FORMAT, CHAIN_FORMAT_NAMES, MANIFEST_FORMAT, TableHasher, batchHash, chainedTables, checkGenesis, keyFingerprint, type BatchTable, type ChainFormat } from '../chain-encoding.js';
import { CaptureError, asCaptureError } from '../errors.js';
import { CHAIN_2_SINCE, CHAIN_SINCE, ident } from '../schema.js';
import { readHeader } from './capture-reader.js';
import { copyEvidence, openEvidence, privateTempDir } from './evidence-file.js';
import { digestRanges, type RangeTask } from './range-digests.js';
import { validateCapture, validateCaptureRow } from './validate.js';

/** The verdicts of `ebpfsh verify`, each with its exit code (docs/evidence.md). */
export type Verdict = 'intact' | 'tampered' | 'incomplete' | 'unverifiable';

/** One thing found wrong (or worth saying), with where it is when known. */
export interface Finding {
  /** What, in one lower-case line (capture strings in it are not escaped: the caller escapes). */
  what: string;
  table?: string;
  seq?: number;
  tsMin?: number | null;
  tsMax?: number | null;
}

/** What verification found. */
export interface VerifyReport {
  verdict: Verdict;
  /** What is wrong: empty only for an intact or incomplete capture. */
  problems: Finding[];
  /** What is right or only informative: where the chain ends, who signed. */
  notes: string[];
  /** Batches in the chain (the genesis not counted). */
  batches: number;
  /** Rows checked. */
  rows: number;
  clockOffsetNs: number;
  /** Fingerprint (SHA-256 of the SPKI DER, hex) of the key that signed the manifest, when signed. */
  signedBy?: string;
  signatureChecked: boolean;
}

/** A parsed chain row, checked for shape (the file is hostile input). */
interface ChainRow {
  seq: number;
  kind: string;
  prev: Buffer;
  hash: Buffer;
  tsMin: number | null;
  tsMax: number | null;
  rows: number;
  tablesText: string;
  tables: BatchTable[];
}

/** Largest manifest body read (characters). */
const MAX_MANIFEST = 1 << 20;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNs = (v: unknown): v is number | null => v === null || isInt(v);

function parseTables(text: unknown): BatchTable[] | undefined {
  if (typeof text !== 'string' || text.length > 1 << 24) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v)) return undefined;
  for (const t of v) {
    if (!Array.isArray(t) || t.length !== 5) return undefined;
    const [name, lo, hi, n, d] = t as unknown[];
    if (typeof name !== 'string' || !isInt(lo) || !isInt(hi) || !isInt(n) || lo < 1 || hi < lo || n !== hi - lo + 1 || typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) return undefined;
  }
  return v as BatchTable[];
}

function parseChainRow(r: Record<string, unknown>): ChainRow | undefined {
  const { seq, kind, prev_hash: prev, hash, ts_min: tsMin, ts_max: tsMax, rows, tables } = r;
  if (!isInt(seq) || typeof kind !== 'string' || !(prev instanceof Uint8Array) || prev.length !== 32 || !(hash instanceof Uint8Array) || hash.length !== 32) return undefined;
  if (!isNs(tsMin) || !isNs(tsMax) || !isInt(rows)) return undefined;
  const parsed = parseTables(tables);
  if (!parsed) return undefined;
  return { seq, kind, prev: Buffer.from(prev), hash: Buffer.from(hash), tsMin, tsMax, rows, tablesText: tables as string, tables: parsed };
}

/** Opens a capture for verification without modifying it: read-only, or a private copy when it is still in WAL form. */
function openForVerify(path: string): { db: Database.Database; dbPath: string; version: number; cleanup: () => void } {
  const name = basename(path);
  const src = openEvidence(path, name)!;
  let tempDir: string | undefined;
  let dbPath = path;
  let version: number;
  try {
    const head = readHeader(src.fd, src.st.size, name);
    version = head.version;
    if (head.wal) {
      // An unclean stop: the committed batches may still be in the -wal. Read a copy of both.
      const wal = openEvidence(`${path}-wal`, `${name}-wal`, { optional: true, noFollow: true });
      tempDir = privateTempDir();
      dbPath = join(tempDir, 'capture.db');
      try {
        copyEvidence(src.fd, dbPath);
        if (wal) copyEvidence(wal.fd, `${dbPath}-wal`);
      } finally {
        if (wal) closeSync(wal.fd);
      }
    }
  } catch (e) {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    throw asCaptureError(e, name);
  } finally {
    closeSync(src.fd);
  }
  const cleanup = () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  try {
    if (tempDir) {
      const rw = new Database(dbPath, { fileMustExist: true });
      rw.pragma('trusted_schema = OFF');
      rw.pragma('wal_checkpoint(TRUNCATE)');
      rw.pragma('journal_mode = DELETE');
      rw.close();
    }
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    db.pragma('query_only = ON');
    return { db, dbPath, version, cleanup };
  } catch (e) {
    cleanup();
    throw asCaptureError(e, name);
  }
}

/** Loads a public key (SPKI PEM; a private key file also gives its public half) for --key; a clear error otherwise. */
export function loadPublicKey(pem: string, name: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new CaptureError(`${name} is not a PEM public key (make a key pair with: ebpfsh keygen DIR)`, 'KEY');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CaptureError(`${name} is a ${key.asymmetricKeyType ?? 'non-Ed25519'} key: captures are signed with Ed25519 (ebpfsh keygen DIR)`, 'KEY');
  return key;
}

/**
 * Verifies a capture's integrity chain, row by row, and its manifest (and,
 * with `key`, its signature). Never modifies the file. Throws a CaptureError
 * only when the file is not a readable capture; everything else is a finding.
 */
export async function verifyCapture(path: string, opts: { key?: KeyObject; /** Worker threads at most (default 4; 1: the caller's thread only). */ threads?: number } = {}): Promise<VerifyReport> {
  const { db, dbPath, version, cleanup } = openForVerify(path);
  try {
    return await verifyOpen(db, dbPath, basename(path), version, opts.key, opts.threads);
  } finally {
    db.close();
    cleanup();
  }
}

async function verifyOpen(db: Database.Database, dbPath: string, name: string, version: number, key: KeyObject | undefined, threads?: number): Promise<VerifyReport> {
  const problems: Finding[] = [];
  const notes: string[] = [];
  const report = (verdict: Verdict, batches = 0, rows = 0): VerifyReport => ({ verdict, problems, notes, batches, rows, clockOffsetNs, signedBy, signatureChecked });
  let clockOffsetNs = 0;
  let signedBy: string | undefined;
  let signatureChecked = false;
  if (version < CHAIN_SINCE) {
    validateCapture(db, name);
    notes.push(`unverifiable (no chain): recorded by an older ebpfsh (capture schema ${version}; the chain came with schema ${CHAIN_SINCE})`);
    return report('unverifiable');
  }
  try {
    const v = validateCapture(db, name);
    validateCaptureRow(db, name, v.version);
  } catch (e) {
    const err = asCaptureError(e, name);
    if (err.code !== 'SCHEMA') throw err;
    // A table, column, view or trigger added, removed or changed, or the capture row damaged: tampering, not an unreadable file.
    problems.push({ what: err.message });
    return report('tampered');
  }
  clockOffsetNs = db.prepare('SELECT clock_offset_ns FROM capture').pluck().get() as number;

  const rawChain = db.prepare('SELECT seq, kind, prev_hash, hash, ts_min, ts_max, rows, tables FROM chain ORDER BY seq').all() as Record<string, unknown>[];
  if (rawChain.length === 1 && rawChain[0]!.seq === 0 && rawChain[0]!.kind === 'migrated') {
    notes.push('unverifiable (no chain): recorded by an older ebpfsh and migrated to the current schema');
    return report('unverifiable');
  }
  if (rawChain.length === 0) {
    problems.push({ what: 'the chain is empty: its genesis row was removed (every capture of this schema has one)' });
    return report('tampered');
  }
  const chain: ChainRow[] = [];
  for (const r of rawChain) {
    const c = parseChainRow(r);
    if (!c) problems.push({ what: `chain row ${String(r.seq)} is malformed (edited)`, seq: isInt(r.seq) ? r.seq : undefined });
    else chain.push(c);
  }
  const genesis = chain[0];
  // The genesis says which encoding the chain is in (chain-1 for captures of schema 4-5, chain-2 from 6).
  let format: ChainFormat = version >= CHAIN_2_SINCE ? 2 : 1;
  if (!genesis || genesis.seq !== 0 || genesis.kind !== 'genesis') problems.push({ what: 'the chain has no genesis row (seq 0): removed or edited' });
  else {
    const g = checkGenesis(db, genesis.hash, version);
    format = g.format;
    if (!g.matches) problems.push({ what: 'the capture row was edited: its host, kernel, boot id, clock offset, start, command line or tool version differ from the genesis hash' });
    else if (g.migratedFrom !== undefined) notes.push(`migrated in place from capture schema ${g.migratedFrom} (by ebpfsh recover); its chain is ${CHAIN_FORMAT_NAMES[format]}`);
  }

  // Links and batch hashes: each batch's hash over the previous hash and its facts (with every table's digest).
  let prev = genesis?.hash;
  let expectSeq = 1;
  for (const c of chain.slice(genesis?.seq === 0 ? 1 : 0)) {
    if (c.seq !== expectSeq) problems.push({ what: c.seq > expectSeq ? `chain batches ${expectSeq}..${c.seq - 1} are missing (deleted)` : `chain row ${c.seq} is out of order`, seq: expectSeq });
    if (prev && !c.prev.equals(prev)) problems.push({ what: `the chain is broken before batch ${c.seq}: its previous hash does not match batch ${c.seq - 1}`, seq: c.seq, tsMin: c.tsMin, tsMax: c.tsMax });
    if (!c.hash.equals(batchHash(c.prev, { seq: c.seq, kind: c.kind, tsMin: c.tsMin, tsMax: c.tsMax, rows: c.rows, tables: c.tablesText }, format)))
      problems.push({ what: `chain row ${c.seq} was edited (its hash does not match its contents)`, seq: c.seq, tsMin: c.tsMin, tsMax: c.tsMax });
    const sum = c.tables.reduce((a, t) => a + t[3], 0);
    if (sum !== c.rows) problems.push({ what: `chain row ${c.seq} states ${c.rows} rows, its tables ${sum}`, seq: c.seq });
    prev = c.hash;
    expectSeq = c.seq + 1;
  }
  const batches = chain.filter((c) => c.seq > 0);
  const last = batches.at(-1) ?? genesis;

  // chain_updates: which rows each batch wrote in place, and the last hash of each.
  const updatesBySeq = new Map<number, Map<string, number[]>>();
  const latest = new Map<string, Map<number, { seq: number; hash: Buffer }>>();
  for (const u of db.prepare('SELECT seq, tbl, row_id, row_hash FROM chain_updates ORDER BY id').all() as Record<string, unknown>[]) {
    if (!isInt(u.seq) || typeof u.tbl !== 'string' || !isInt(u.row_id) || !(u.row_hash instanceof Uint8Array)) continue; // caught by chain_updates' own digest
    let bySeq = updatesBySeq.get(u.seq);
    if (!bySeq) updatesBySeq.set(u.seq, (bySeq = new Map()));
    let ids = bySeq.get(u.tbl);
    if (!ids) bySeq.set(u.tbl, (ids = []));
    ids.push(u.row_id);
    let rows = latest.get(u.tbl);
    if (!rows) latest.set(u.tbl, (rows = new Map()));
    rows.set(u.row_id, { seq: u.seq, hash: Buffer.from(u.row_hash) });
  }

  // Every batch's rows, table by table.
  const existing = new Set(chainedTables(db));
  const hashers = new Map<string, TableHasher>();
  const hasher = (t: string) => {
    let h = hashers.get(t);
    if (!h) hashers.set(t, (h = new TableHasher(db, t, format)));
    return h;
  };
  const covered = new Map<string, [number, number, number][]>(); // table -> [lo, hi, seq]
  let rowsChecked = 0;
  const missingTables = new Set<string>();
  const tasks: RangeTask[] = [];
  const expected: { c: ChainRow; n: number; digest: string }[] = [];
  for (const c of batches) {
    for (const [table, lo, hi, n, digest] of c.tables) {
      let cov = covered.get(table);
      if (!cov) covered.set(table, (cov = []));
      cov.push([lo, hi, c.seq]);
      if (!existing.has(table)) {
        missingTables.add(table);
        continue;
      }
      const versioned = (updatesBySeq.get(c.seq)?.get(table) ?? []).filter((id) => id >= lo && id <= hi).sort((a, b) => a - b);
      tasks.push({ table, lo, hi, versioned });
      expected.push({ c, n, digest });
    }
  }
  const digests = await digestRanges(db, dbPath, tasks, format, threads);
  for (let k = 0; k < tasks.length; k++) {
    const { table, lo, hi } = tasks[k]!;
    const { c, n, digest } = expected[k]!;
    const d = digests[k]!;
    rowsChecked += d.rows;
    const where = { table, seq: c.seq, tsMin: c.tsMin, tsMax: c.tsMax };
    if (d.rows < n) {
      const ids = new Set(db.prepare(`SELECT id FROM ${ident(table)} WHERE id BETWEEN ? AND ?`).pluck().all(lo, hi) as number[]);
      const gone: number[] = [];
      for (let id = lo; id <= hi && gone.length < 11; id++) if (!ids.has(id)) gone.push(id);
      const list = gone.slice(0, 10).join(', ') + (n - d.rows > 10 ? ', ...' : '');
      problems.push({ ...where, what: `${n - d.rows} row(s) deleted from ${table} in batch ${c.seq}: id ${list}` });
    } else if (d.digest !== digest) {
      problems.push({ ...where, what: `row(s) edited in ${table}, batch ${c.seq} (ids ${lo}..${hi})` });
    }
  }
  for (const t of missingTables) problems.push({ table: t, what: `table ${t} was dropped (the chain holds rows of it)` });

  // Rows no batch inserted: outside every batch's ids, or in a table the chain never wrote.
  for (const table of existing) {
    const ranges = (covered.get(table) ?? []).sort((a, b) => a[0] - b[0]);
    const gaps: [number, number][] = [];
    let next = 1;
    for (const [lo, hi] of ranges) {
      if (lo > next) gaps.push([next, lo - 1]);
      next = Math.max(next, hi + 1);
    }
    // Two rowid ranges, not one OR (which SQLite answers by scanning an index).
    const above = db.prepare(`SELECT count(*), min(id), max(id) FROM ${ident(table)} WHERE id >= ?`).raw(true).get(next) as [number, number | null, number | null];
    const below = db.prepare(`SELECT count(*), min(id), max(id) FROM ${ident(table)} WHERE id < 1`).raw(true).get() as [number, number | null, number | null];
    const count: [number, number | null, number | null] = [above[0] + below[0], below[1] ?? above[1], above[2] ?? below[2]];
    if (count[0] > 0) {
      const after = ranges.at(-1);
      problems.push({ table, what: `${count[0]} row(s) inserted into ${table} that no batch wrote (ids ${count[1]}..${count[2]}${after ? `, after batch ${after[2]}` : ''})` });
    }
    for (const [a, b] of gaps) {
      const n = db.prepare(`SELECT count(*) FROM ${ident(table)} WHERE id BETWEEN ? AND ?`).pluck().get(a, b) as number;
      if (n > 0) problems.push({ table, what: `${n} row(s) inserted into ${table} that no batch wrote (ids ${a}..${b})` });
    }
  }

  // Rows written in place (the process table): each as its last update left it.
  for (const [table, rows] of latest) {
    if (!existing.has(table)) continue;
    const h = hasher(table);
    let edited = 0;
    let deleted = 0;
    const examples: string[] = [];
    // One pass over the table (a lookup per row cost ~1 s on a 10M-event capture's 100k processes).
    const seen = new Set<number>();
    for (const [id, now] of h.allRowHashes()) {
      const u = rows.get(id);
      if (!u) continue;
      seen.add(id);
      if (now.equals(u.hash)) continue;
      edited++;
      if (examples.length < 5) examples.push(`id ${id} (last written in batch ${u.seq})`);
    }
    for (const [id, u] of rows) {
      if (seen.has(id)) continue;
      deleted++;
      if (examples.length < 5) examples.push(`id ${id} (last written in batch ${u.seq})`);
    }
    if (edited) problems.push({ table, what: `${edited} row(s) of ${table} edited after their last recorded change: ${examples.join(', ')}` });
    if (deleted) problems.push({ table, what: `${deleted} row(s) deleted from ${table}: ${examples.join(', ')}` });
  }

  checkManifest(db, { problems, notes, last, batches, key, onSigned: (fp, checked) => ((signedBy = fp), (signatureChecked = checked)) });
  const hasManifest = (db.prepare('SELECT count(*) FROM manifest').pluck().get() as number) > 0;
  const verdict: Verdict = problems.length ? 'tampered' : hasManifest ? 'intact' : 'incomplete';
  return report(verdict, batches.length, rowsChecked);
}

/** Checks the manifest against the chain and the capture row, and its signature; or says why there is none. */
function checkManifest(
  db: Database.Database,
  x: { problems: Finding[]; notes: string[]; last: ChainRow | undefined; batches: ChainRow[]; key: KeyObject | undefined; onSigned: (fp: string, checked: boolean) => void },
): void {
  const { problems, notes, last } = x;
  const rows = db.prepare('SELECT body, public_key, signature FROM manifest').all() as { body: unknown; public_key: unknown; signature: unknown }[];
  const cap = db.prepare('SELECT tool_version, hostname, boot_id, start_ns, end_ns, start_time, end_time, clean_stop, stop_reason FROM capture').get() as Record<string, unknown>;
  const endAt = last ? { seq: last.seq, tsMin: last.tsMin, tsMax: last.tsMax } : {};
  if (rows.length === 0) {
    if (last?.kind === 'final' || cap.clean_stop === 1) {
      problems.push({ ...endAt, what: `the manifest is missing: the recording stopped cleanly${last?.kind === 'final' ? ` (batch ${last.seq} is its stop batch)` : ''}, so it had one` });
    } else {
      const recovered = last?.kind === 'recovered';
      const end = recovered ? x.batches.at(-2) : last;
      notes.push(`incomplete: the recording did not stop cleanly (${String(cap.stop_reason ?? 'recorder died')}); no manifest; the chain is intact through batch ${end?.seq ?? 0}${recovered ? `; batch ${last!.seq} was added by ebpfsh recover` : ''}; anything after it was never committed`);
    }
    if (x.key) problems.push({ what: 'not signed: there is no manifest to check the key against' });
    return;
  }
  const m = rows[0]!;
  let body: Record<string, unknown> | undefined;
  try {
    // Bounded: a manifest is a few KiB; a planted giant one is refused, not parsed.
    const parsed = typeof m.body === 'string' && m.body.length <= MAX_MANIFEST ? (JSON.parse(m.body) as unknown) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    // malformed: reported below
  }
  if (!body || body.format !== MANIFEST_FORMAT) {
    problems.push({ what: `the manifest is malformed (not a ${MANIFEST_FORMAT} body): edited` });
    return;
  }
  if (last && body.head !== last.hash.toString('hex')) {
    const n = isInt(body.batches) ? body.batches : undefined;
    const lastSeq = last.seq;
    if (n !== undefined && n > lastSeq) problems.push({ ...endAt, what: `the capture was truncated: the manifest's chain has ${n} batches, this one ends at batch ${lastSeq}` });
    else if (n !== undefined && n < lastSeq) problems.push({ what: `batches ${n + 1}..${lastSeq} were appended after the manifest was written` });
    else problems.push({ what: "the manifest's chain head does not match the chain (the manifest or the chain was edited)" });
  } else if (body.batches !== last?.seq) problems.push({ what: `the manifest states ${String(body.batches)} batches, the chain has ${last?.seq ?? 0}` });
  // Counts per table: what the chain wrote must be what the file holds (the row checks above say where they differ).
  const counts = body.counts && typeof body.counts === 'object' ? (body.counts as Record<string, unknown>) : {};
  const chained = new Map<string, number>();
  for (const c of x.batches) for (const [t, , , n] of c.tables) chained.set(t, (chained.get(t) ?? 0) + n);
  const all = new Set([...Object.keys(counts), ...chained.keys()]);
  for (const t of [...all].sort()) {
    if ((counts[t] ?? 0) !== (chained.get(t) ?? 0)) problems.push({ table: t, what: `${t}: the manifest counts ${String(counts[t] ?? 0)} rows, the chain ${chained.get(t) ?? 0}` });
  }
  for (const f of ['tool_version', 'hostname', 'boot_id', 'start_ns', 'end_ns', 'start_time', 'end_time', 'clean_stop', 'stop_reason']) {
    if (body[f] !== cap[f]) problems.push({ what: `the capture row's ${f} differs from the manifest's (edited)` });
  }
  // The signature.
  const signed = m.signature instanceof Uint8Array && typeof m.public_key === 'string';
  if (!signed) {
    if (m.signature !== null || m.public_key !== null) problems.push({ what: 'the manifest signature is malformed (edited)' });
    if (x.key) problems.push({ what: 'the capture is not signed, but --key was given' });
    else notes.push('not signed');
    return;
  }
  let embedded: string | undefined;
  try {
    embedded = keyFingerprint(createPublicKey(m.public_key as string).export({ type: 'spki', format: 'der' }));
  } catch {
    problems.push({ what: "the manifest's public key is malformed (edited)" });
  }
  if (embedded) x.onSigned(embedded, false);
  if (!x.key) {
    notes.push(`signed by key ${embedded ?? '(unreadable)'}; the signature was not checked: pass --key PUB (the signer's public key, from a trusted copy)`);
    return;
  }
  const given = keyFingerprint(x.key.export({ type: 'spki', format: 'der' }));
  let ok = false;
  try {
    ok = verifySignature(null, Buffer.from(m.body as string, 'utf8'), x.key, m.signature as Uint8Array);
  } catch {
    ok = false;
  }
  if (ok) {
    x.onSigned(given, true);
    notes.push(`signature valid: signed by key ${given}`);
  } else if (embedded && embedded !== given) problems.push({ what: `signed with another key (${embedded}), not the one given (${given})` });
  else problems.push({ what: `the signature does not match the manifest (key ${given}): the manifest or its signature was edited` });
}

/** The format names (the chain's as new captures are written), for docs and tests. */
export const CHAIN_FORMATS = { chain: CHAIN_FORMAT, manifest: MANIFEST_FORMAT } as const;
