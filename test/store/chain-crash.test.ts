import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runVerify } from '../../src/commands/verify-command.js';
import { recoverCapture } from '../../src/store/index.js';
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
  });
});
