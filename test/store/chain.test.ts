import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { warnIfChainBroken } from '../../src/commands/chain-warning.js';
import { formatInfo } from '../../src/commands/info-command.js';
import { CaptureReader } from '../../src/store/index.js';
import { tableOfStatement } from '../../src/store/writer/chain-writer.js';
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
    const r = verifyCapture(path);
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

  it('finds the table of any statement the writer runs, quoted or not', () => {
    expect(tableOfStatement('INSERT INTO processes (a) VALUES (?) RETURNING id')).toBe('processes');
    expect(tableOfStatement('  UPDATE "we""ird" SET x = 1 RETURNING id')).toBe('we"ird');
    expect(tableOfStatement('INSERT OR IGNORE INTO binaries (h) VALUES (?)')).toBe('binaries');
    expect(tableOfStatement('SELECT 1')).toBeUndefined();
  });
});
