import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/commands/verify-command.js';
import { PROBES } from '../../src/probes/index.js';
import { CaptureReader, recoverCapture } from '../../src/store/index.js';
import { summaries } from '../../src/store/summaries.js';
import { forkModule } from '../../src/store/spawn.js';
import { sha256, tempDir } from './helpers.js';

async function verify(path: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runVerify(path, {}, (s) => (out += s), (s) => (out += s));
  return { code, out };
}

describe('a capture whose recorder was killed (kill -9)', () => {
  const t = tempDir('ebpfsh-chain-crash-');
  afterAll(() => t.cleanup());

  it('verifies up to the last committed batch, says where the chain ends, exit 3; the same after ebpfsh recover', async () => {
    const child = forkModule(new URL('./chain-record-child.ts', import.meta.url), [t.dir, 'killed.db'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const said = await new Promise<{ batches: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { batches: number }));
      child.once('exit', (code) => reject(new Error(`recording child exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const path = join(t.dir, 'killed.db');
    expect(existsSync(`${path}-wal`)).toBe(true);
    const before = [sha256(path), sha256(`${path}-wal`)];

    const r = await verify(path);
    expect(r.code).toBe(3);
    expect(r.out).toContain('INCOMPLETE: no manifest');
    expect(r.out).toMatch(new RegExp(`the chain is intact through batch (\\d+)`));
    const through = Number(/intact through batch (\d+)/.exec(r.out)![1]);
    // Every batch acknowledged before the kill is in the chain (the seed and journal batches may add more).
    expect(through).toBeGreaterThanOrEqual(said.batches);
    // Read from a private copy: neither file changed.
    expect([sha256(path), sha256(`${path}-wal`)]).toEqual(before);

    recoverCapture(path);
    const after = await verify(path);
    expect(after.code).toBe(3);
    expect(after.out).toContain(`intact through batch ${through}; batch ${through + 1} was added by ebpfsh recover`);

    // recover built every summary the stop would have (in that recovered batch, which verify just checked), and readers use them.
    const db = new Database(path, { readonly: true });
    const marks = db.prepare('SELECT name, source, source_rows FROM summaries').all() as { name: string; source: string; source_rows: number }[];
    for (const m of marks) expect(m.source_rows, `${m.name} over ${m.source}`).toBe(db.prepare(`SELECT coalesce(max(id), 0) FROM "${m.source}"`).pluck().get());
    expect(marks.filter((m) => m.name === 'uid_summary').map((m) => m.source).sort()).toEqual(PROBES.map((p) => p.table).sort());
    const recovered = JSON.parse(db.prepare('SELECT tables FROM chain ORDER BY seq DESC LIMIT 1').pluck().get() as string) as [string][];
    expect(recovered.map((x) => x[0])).toEqual(expect.arrayContaining(['summaries', 'uid_summary', 'files_per_process_summary']));
    // Every event row, counted from the probe tables themselves (every one is uid 1000 here).
    const events = PROBES.reduce((n, p) => n + (db.prepare(`SELECT count(*) FROM "${p.table}"`).pluck().get() as number), 0);
    db.close();
    const reader = CaptureReader.open(path);
    try {
      expect(reader.snapshot).toBe(false);
      expect([...reader.summarized].sort()).toEqual(summaries().map((s) => s.view).sort());
      expect(reader.usersSummarized).toBe(true);
      const opens = reader.info().counts.open!;
      expect(opens).toBeGreaterThan(0);
      expect(Object.values(reader.info().counts).reduce((a, b) => a + b, 0)).toBe(events);
      expect(reader.userCounts()).toEqual({ top: [{ uid: 1000, events }], uids: 1, odd: 0 });
    } finally {
      reader.close();
    }
  });
});
