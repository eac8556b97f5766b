import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CaptureReader } from '../../src/store/index.js';
import { describeKernel, hasCommand } from '../helpers/kernel.js';
import { Tmux, readIfExists } from '../e2e/tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const sessions: Tmux[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

// A shell that quits before its capture is finalized (a slow disk, a huge
// last batch) must say so, not claim a finished capture or say nothing, and
// leave a capture the next open can read and `ebpfsh recover` can finalize.
describeKernel('a shell that cannot finalize its capture in time', () => {
  it('says so on quit, names the command that finalizes it, and the capture it leaves opens and is finalized by ebpfsh recover', async () => {
    expect(hasCommand('tmux')).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-fin-'));
    chmodSync(dir, 0o755);
    const t = new Tmux();
    sessions.push(t);
    t.start(`cd ${dir} && exec env EBPFSH_HISTORY=${dir}/history EBPFSH_FINALIZE_MS=1 ${BIN} -w slow.db 2>${dir}/stderr`);
    await t.waitFor('rec slow.db', 15_000);
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    const err = readIfExists(join(dir, 'stderr'));
    expect(err).toMatch(/capture slow\.db not finalized within 0\.001 s: it holds what was committed/);
    expect(err).toMatch(/'ebpfsh recover slow\.db' finalizes it/);
    expect(err).not.toMatch(/slow\.db finalized/);
    const path = join(dir, 'slow.db');
    const r = CaptureReader.open(path);
    r.info();
    r.close();
    const rec = spawnSync(BIN, ['recover', path], { encoding: 'utf8', timeout: 30_000 });
    expect(rec.stderr).toBe('');
    expect(rec.stdout).toMatch(/slow\.db: (finalized after an unclean stop|was already stopped cleanly).*self-contained now/);
    expect(existsSync(`${path}-wal`)).toBe(false); // one self-contained file again
    const again = CaptureReader.open(path);
    expect(again.info().endNs).not.toBeNull();
    again.close();
  }, 60_000);
});
