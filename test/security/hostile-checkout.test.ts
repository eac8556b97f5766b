import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SETUP = join(new URL('../..', import.meta.url).pathname, 'scripts/setup.sh');

// Set-up builds the checkout's code and installs it to run as root: a checkout others can write is refused.
describe.runIf(process.geteuid?.() === 0)('a checkout any user can write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-checkout-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('set-up refuses it before installing or linking anything, and says how to fix it', () => {
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(SETUP, join(dir, 'scripts/setup.sh'));
    mkdirSync(join(dir, 'dist'), { mode: 0o777 });
    chmodSync(join(dir, 'dist'), 0o777);
    const r = spawnSync('bash', [join(dir, 'scripts/setup.sh')], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/setup: .*\/dist can be written by any user, who could then run code as root through ebpfsh: chmod o-w it/);
  });
});
