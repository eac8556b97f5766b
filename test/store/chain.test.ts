import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
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
});
