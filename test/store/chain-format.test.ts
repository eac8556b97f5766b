import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findProbe } from '../../src/probes/index.js';
import { Recorder, recoverCapture } from '../../src/store/index.js';
import { TableHasher, checkGenesis } from '../../src/store/chain-encoding.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { migrate } from '../../src/store/reader/migrations.js';
import { createSchemaSql, ident } from '../../src/store/schema.js';
import { ChainWriter } from '../../src/store/writer/chain-writer.js';
import { digestRowsOp } from '../../src/store/writer/chain-rows.js';
import { RowEncoder } from '../../src/store/writer/row-encoder.js';
import { TableBuffers } from '../../src/store/writer/table-buffer.js';
import type { TraceEvent } from '../../src/event/index.js';
import { execEvent, openEvent, sha256, tempDir } from './helpers.js';

/** A schema-5 capture recorded (and stopped cleanly) by the writer before chain-2: test/fixtures/store/make-chain1-capture.ts. */
const CHAIN1 = join(import.meta.dirname, '../fixtures/store/chain1-capture.db');

/** Chain-2's bytes of one value, written out by hand from the spec (docs/capture-format.md "Integrity chain"). */
function enc(v: null | number | bigint | string | Uint8Array, real = false): Buffer {
  if (v === null) return Buffer.from('N');
  if (real) {
    const q = Buffer.from(String(v), 'latin1');
    return Buffer.concat([Buffer.from('R'), u32(q.length), q]);
  }
  if (typeof v === 'number' || typeof v === 'bigint') {
    const b = Buffer.alloc(9);
    b[0] = 0x49;
    b.writeBigInt64BE(BigInt(v), 1);
    return b;
  }
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
  return Buffer.concat([Buffer.from(typeof v === 'string' ? 'T' : 'B'), u32(bytes.length), bytes]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Inserts `events` into an in-memory capture one statement per row (as SQLite stores them) and returns each table's op and SQLite-side digest. */
function digestsBothWays(events: TraceEvent[]): { table: string; ours: unknown; sqlite: unknown }[] {
  const db = new Database(':memory:');
  for (const sql of createSchemaSql()) db.exec(sql);
  const bufs = new TableBuffers();
  for (const e of events) bufs.of(e.probe)!.add(e);
  const out: { table: string; ours: unknown; sqlite: unknown }[] = [];
  for (const op of bufs.take().ops) {
    const enc = new RowEncoder(findProbe(op.d.table === 'open' ? 'opensnoop' : 'execsnoop')!);
    const ins = db.prepare(`INSERT INTO ${ident(op.d.table)} (${enc.columns.map((c) => ident(c.name)).join(', ')}) VALUES (${enc.columns.map(() => '?').join(', ')})`);
    for (const e of events.filter((x) => findProbe(x.probe)!.table === op.d.table)) {
      const row: unknown[] = [];
      enc.encode(e, row);
      ins.run(...row);
    }
    out.push({ table: op.d.table, ours: digestRowsOp(op, 1), sqlite: new TableHasher(db, op.d.table, 2).range(1, op.rows) });
  }
  db.close();
  return out;
}

describe('ebpfsh-chain-2, the binary row encoding', () => {
  it('encodes each value by its storage class, as the spec says: a text in an INTEGER column never equals a number', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB, r REAL)');
    const ins = db.prepare('INSERT INTO t (n, s, b, r) VALUES (?, ?, ?, ?)');
    ins.run(-1n, 'a\u0000b', Buffer.from([0, 0xff]), 1.5);
    ins.run(2n ** 63n - 1n, '', null, null);
    ins.run('x5', '\u00e9', Buffer.alloc(0), 1e300);
    ins.run(null, null, null, -0.25);
    const rows = [
      [1, -1n, 'a\u0000b', Uint8Array.from([0, 0xff]), '1.5'],
      [2, 2n ** 63n - 1n, '', null, null],
      [3, 'x5', '\u00e9', new Uint8Array(0), '1.0e+300'],
      [4, null, null, null, '-0.25'],
    ] as const;
    const quoted = db.prepare('SELECT quote(r) FROM t ORDER BY id').pluck().all() as (string | null)[];
    const parts: Buffer[] = [Buffer.concat([Buffer.from('T'), u32(1), Buffer.from('t')])];
    rows.forEach((r, k) => {
      parts.push(enc(r[0]), enc(r[1]), enc(r[2]), enc(r[3]), quoted[k] === 'NULL' ? enc(null) : enc(quoted[k]!, true));
    });
    const want = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    expect(new TableHasher(db, 't', 2).range(1, 4).digest).toBe(want);
    // The same digits as an integer: a different digest.
    db.prepare("UPDATE t SET n = 5 WHERE id = 3").run();
    expect(new TableHasher(db, 't', 2).range(1, 4).digest).not.toBe(want);
    db.close();
  });

  it("the writer's bytes from bound values equal SQLite's at the boundaries: empty, NUL, invalid UTF-8, negatives, 2^53 - 1, long values", () => {
    const long = '/long/' + 'p\u00e9'.repeat(200_000); // 600 KB of UTF-8: more than the writer's 256 KiB buffer
    const events = [
      openEvent(1),
      openEvent(2, ''),
      openEvent(3, '/nul\u0000in\u0000side'),
      openEvent(4, Uint8Array.from([0x2f, 0x80, 0xff, 0x00, 0x41])),
      openEvent(5, '/x', { pid: -1, uid: 0, cgroup: 2 ** 53 - 1, pidns: -(2 ** 53) + 1, nspid: -(2 ** 32), tid: 2 ** 32 }),
      openEvent(6, long),
      openEvent(7, Uint8Array.from({ length: 300_000 }, (_, k) => (k % 7 === 0 ? 0xff : 0x41))),
      openEvent(8, '/x', { comm: Uint8Array.from([0x62, 0xff]) }),
      execEvent(9, ['sh', '-c', Uint8Array.from([0x80, 0x41]), '', 'a\u0000b']),
      execEvent(10, []),
    ];
    // Enough ordinary rows after them that the buffer fills and flushes mid-row many times.
    for (let i = 11; i < 6000; i++) events.push(openEvent(i, i % 500 === 0 ? long.slice(0, 70_000 + i) : `/tmp/f${i % 300}`));
    for (const { table, ours, sqlite } of digestsBothWays(events)) expect(ours, table).toEqual(sqlite);
  });

  it('declines what only SQLite can say (2^53 and beyond, a lone surrogate, a fraction): the writer reads those rows back', () => {
    for (const e of [openEvent(1, '/x', { cgroup: 2 ** 53 }), openEvent(1, '/x', { pid: -(2 ** 53) }), openEvent(1, '/lone \udc00'), openEvent(1, '/x', { uid: 1.5 })]) {
      const bufs = new TableBuffers();
      bufs.of('opensnoop')!.add(e);
      expect(digestRowsOp(bufs.take().ops[0]!, 1)).toBeUndefined();
    }
  });
});

describe('a capture chained in ebpfsh-chain-2', () => {
  const t = tempDir('ebpfsh-chain2-');
  afterAll(() => t.cleanup());

  it('an edit past a NUL inside a text, or of an integer beyond 2^53 (read back by the writer), is found', async () => {
    const path = join(t.dir, 'nul.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test', reserveBytes: 0, batchMs: 5 });
    await rec.whenReady();
    rec.record([openEvent(1, '/tmp/nul\u0000inside'), openEvent(2, '/big', { cgroup: 2 ** 60 }), openEvent(3)]);
    await rec.stop('test');
    expect((await verifyCapture(path)).verdict).toBe('intact');
    const big = join(t.dir, 'big.db');
    copyFileSync(path, big);
    const db = new Database(path);
    const before = db.prepare('SELECT hex(path) FROM open WHERE id = 1').pluck().get() as string;
    // The same length, the last byte ('e', after the NUL) changed: quote() would render both as '/tmp/nul'.
    const after = before.replace(/65$/, '45');
    expect(after).not.toBe(before);
    db.prepare('UPDATE open SET path = CAST(? AS TEXT) WHERE id = 1').run(Buffer.from(after, 'hex'));
    db.close();
    const r = await verifyCapture(path);
    expect(r.verdict).toBe('tampered');
    expect(r.problems.map((x) => x.what)).toContainEqual(expect.stringMatching(/^row\(s\) edited in open, batch \d+/));
    const db2 = new Database(big);
    expect(db2.prepare('SELECT typeof(cgroup), cgroup = 1152921504606846976 FROM open WHERE id = 2').raw().get()).toEqual(['integer', 1]);
    db2.prepare('UPDATE open SET cgroup = cgroup + 1 WHERE id = 2').run();
    db2.close();
    const r2 = await verifyCapture(big);
    expect(r2.problems.map((x) => x.what)).toEqual([expect.stringMatching(/^row\(s\) edited in open, batch \d+/)]);
  });
});

describe('a capture chained in ebpfsh-chain-1 (schema 5, written before chain-2)', () => {
  const t = tempDir('ebpfsh-chain1-');
  afterAll(() => t.cleanup());
  const copy = (name: string) => {
    const p = join(t.dir, name);
    copyFileSync(CHAIN1, p);
    chmodSync(p, 0o600);
    return p;
  };

  it('verifies intact, its genesis saying chain-1, and stays unchanged', async () => {
    const p = copy('intact.db');
    const db = new Database(p, { readonly: true });
    const g = db.prepare('SELECT hash FROM chain WHERE seq = 0').pluck().get() as Buffer;
    expect(checkGenesis(db, g, 5)).toEqual({ format: 1, matches: true });
    db.close();
    const before = sha256(p);
    const r = await verifyCapture(p);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('intact');
    expect(r.rows).toBeGreaterThan(300);
    expect(sha256(p)).toBe(before);
  });

  it('finds an edited row, by table and batch', async () => {
    const p = copy('edited.db');
    const db = new Database(p);
    db.prepare("UPDATE open SET path = '/tmp/innocent' WHERE id = 60").run();
    db.close();
    const r = await verifyCapture(p);
    expect(r.verdict).toBe('tampered');
    expect(r.problems.map((x) => x.what)).toContainEqual(expect.stringMatching(/^row\(s\) edited in open, batch \d+/));
  });

  it('still verifies after ebpfsh recover, which keeps a chained capture at its own schema', async () => {
    const p = copy('migrated.db');
    expect(recoverCapture(p)).toMatchObject({ fromVersion: 5, toVersion: 5 });
    const r = await verifyCapture(p);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('intact');
  });

  it('still verifies when an older build migrated it in place (its schema_version rewritten under the genesis)', async () => {
    const p = copy('migrated-old.db');
    const db = new Database(p);
    migrate(db, 5);
    db.close();
    const r = await verifyCapture(p);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('intact');
    expect(r.notes.join('\n')).toContain('migrated in place from capture schema 5');
  });

  it('a recorder that died: ebpfsh recover chains its recovery batch in chain-1; verify says incomplete, nothing wrong', async () => {
    const p = copy('died.db');
    const db = new Database(p);
    // Undo the stop as a recorder that died before it would have: its batch (the rows it inserted), the manifest, the stop record.
    const fin = db.prepare("SELECT seq, tables FROM chain WHERE kind = 'final'").get() as { seq: number; tables: string };
    for (const [table, lo, hi] of JSON.parse(fin.tables) as [string, number, number][]) db.prepare(`DELETE FROM ${ident(table)} WHERE id BETWEEN ? AND ?`).run(lo, hi);
    db.prepare('DELETE FROM chain WHERE seq = ?').run(fin.seq);
    db.exec("DELETE FROM manifest; UPDATE capture SET end_ns = NULL, end_time = NULL, clean_stop = 0, stop_reason = NULL");
    db.close();
    const rec = recoverCapture(p);
    expect(rec).toMatchObject({ wasUnclean: true, fromVersion: 5 });
    const r = await verifyCapture(p);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('incomplete');
    expect(r.notes.join('\n')).toMatch(/chain is intact through batch 4; batch 5 was added by ebpfsh recover/);
  });

  it('is continued in chain-1: a batch appended to it hashes in its own encoding', async () => {
    const p = copy('appended.db');
    const db = new Database(p);
    const chain = new ChainWriter(db);
    expect(chain.format).toBe(1);
    db.transaction(() => {
      db.prepare("INSERT INTO journal (ts, action, detail) VALUES (1, 'note', 'appended')").run();
      chain.append('batch');
    })();
    chain.commit();
    db.close();
    const r = await verifyCapture(p);
    // Only the manifest notices: every row, the new batch's too, matches its chain-1 digest.
    expect(r.problems.map((x) => x.what)).toEqual(['batches 6..6 were appended after the manifest was written', 'journal: the manifest counts 3 rows, the chain 4']);
  });
});
