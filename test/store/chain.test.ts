import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { warnIfChainBroken } from '../../src/commands/chain-warning.js';
import { formatInfo } from '../../src/commands/info-command.js';
import { CaptureReader } from '../../src/store/index.js';
import { tableOfStatement } from '../../src/store/writer/chain-writer.js';
import { digestRowsOp } from '../../src/store/writer/chain-rows.js';
import { RowEncoder } from '../../src/store/writer/row-encoder.js';
import { TableBuffers } from '../../src/store/writer/table-buffer.js';
import { TableHasher } from '../../src/store/chain-encoding.js';
import { createSchemaSql, ident } from '../../src/store/schema.js';
import { findProbe } from '../../src/probes/index.js';
import { execEvent, openEvent } from './helpers.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { recordChained } from './chain-helpers.js';
import { sha256, tempDir } from './helpers.js';

describe('integrity chain of a recorded capture', () => {
  const t = tempDir('ebpfsh-chain-');
  afterAll(() => t.cleanup());

  it('chains every committed batch and seals it with a manifest; verify finds it intact and leaves it unchanged', async () => {
    const { path } = await recordChained(t.dir);
    const db = new Database(path, { readonly: true });
    const chain = db.prepare('SELECT seq, kind, rows, tables FROM chain ORDER BY seq').all() as { seq: number; kind: string; rows: number; tables: string }[];
    expect(chain[0]!.kind).toBe('genesis');
    expect(chain.at(-1)!.kind).toBe('final');
    expect(chain.length).toBeGreaterThanOrEqual(6);
    const tables = new Set(chain.flatMap((c) => (JSON.parse(c.tables) as [string][]).map((x) => x[0])));
    for (const name of ['journal', 'notes', 'open', 'exec', 'processes', 'chain_updates', 'proc']) expect([...tables]).toContain(name);
    expect(db.prepare('SELECT count(*) FROM manifest').pluck().get()).toBe(1);
    db.close();
    const before = sha256(path);
    const r = await verifyCapture(path);
    expect(r.problems).toEqual([]);
    expect(r.verdict).toBe('intact');
    expect(r.rows).toBeGreaterThan(1000);
    expect(sha256(path)).toBe(before);
  });

  it('info shows the quick status; readers warn once on stderr when the quick check finds the chain broken', async () => {
    const { path } = await recordChained(t.dir, 'quick.db', { batches: 2 });
    const r = CaptureReader.open(path);
    expect(formatInfo(r.info(), [], [], r.chainStatus())).toMatch(/integrity sealed: chain of \d+ batches ends at the manifest's head; not signed/);
    const lines: string[] = [];
    expect(warnIfChainBroken(r, path, (s) => lines.push(s))).toBeUndefined();
    r.close();
    const cut = join(t.dir, 'cut.db');
    copyFileSync(path, cut);
    const db = new Database(cut);
    db.exec('DELETE FROM open WHERE id = (SELECT max(id) FROM open)');
    db.close();
    const broken = CaptureReader.open(cut);
    warnIfChainBroken(broken, cut, (s) => lines.push(s));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARNING: .*cut\.db may have been changed since it was recorded \(integrity chain: open does not end at the manifest's count\); run ebpfsh verify/);
    expect(formatInfo(broken.info(), [], [], broken.chainStatus())).toContain('WARNING   integrity chain broken');
    broken.close();
  });

  it('finds the table of any statement the writer runs, quoted or not', async () => {
    expect(tableOfStatement('INSERT INTO processes (a) VALUES (?) RETURNING id')).toBe('processes');
    expect(tableOfStatement('  UPDATE "we""ird" SET x = 1 RETURNING id')).toBe('we"ird');
    expect(tableOfStatement('INSERT OR IGNORE INTO binaries (h) VALUES (?)')).toBe('binaries');
    expect(tableOfStatement('SELECT 1')).toBeUndefined();
  });

  it("the writer's digest from bound values equals SQLite's canonical text of the stored rows, odd values included", async () => {
    const db = new Database(':memory:');
    for (const sql of createSchemaSql()) db.exec(sql);
    const events = [
      openEvent(1),
      openEvent(2, Uint8Array.from([0x2f, 0x80, 0xff, 0x00, 0x41])),
      openEvent(3, '/tmp/\u00e9t\u00e9 \ud83d\ude00 \u202e'),
      openEvent(4, '/tmp/pair \ud83d\ude00 ok'),
      openEvent(5, '', { pid: -1, uid: 4294967295, cgroup: 2 ** 52 }),
      openEvent(6, '/x', { comm: Uint8Array.from([0x62, 0xff]) }),
      execEvent(7, ['sh', '-c', Uint8Array.from([0x80, 0x41]), '']),
      execEvent(8, []),
    ];
    const bufs = new TableBuffers();
    for (const e of events) bufs.of(e.probe)!.add(e);
    for (const op of bufs.take().ops) {
      const enc = new RowEncoder(findProbe(op.d.table === 'open' ? 'opensnoop' : 'execsnoop')!);
      const ins = db.prepare(`INSERT INTO ${ident(op.d.table)} (${enc.columns.map((c) => ident(c.name)).join(', ')}) VALUES (${enc.columns.map(() => '?').join(', ')})`);
      for (const e of events.filter((x) => findProbe(x.probe)!.table === op.d.table)) {
        const row: unknown[] = [];
        enc.encode(e, row);
        ins.run(...row);
      }
      const want = new TableHasher(db, op.d.table).range(1, op.rows);
      expect(digestRowsOp(op, 1), op.d.table).toEqual(want);
    }
    db.close();
  });

  it('declines a value only SQLite can render (beyond 2^53, a lone surrogate): the writer reads those rows back', async () => {
    const bufs = new TableBuffers();
    bufs.of('opensnoop')!.add(openEvent(1, '/x', { cgroup: 2 ** 60 }));
    expect(digestRowsOp(bufs.take().ops[0]!, 1)).toBeUndefined();
    bufs.of('opensnoop')!.add(openEvent(1, '/lone \ud800'));
    expect(digestRowsOp(bufs.take().ops[0]!, 1)).toBeUndefined();
  });
});
