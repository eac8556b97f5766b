import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * bin/ebpfsh's node flags, read through a stand-in `node` first on PATH that
 * prints what it was started with: the memory bounds (issue 16) apply to the
 * shell only; replay and bulk commands keep node's defaults.
 */

const LAUNCHER = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-launcher-'));
writeFileSync(join(dir, 'node'), '#!/bin/sh\necho "args: $*"\necho "mmap: ${MALLOC_MMAP_THRESHOLD_-unset}"\n');
chmodSync(join(dir, 'node'), 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function launch(args: string[], env: Record<string, string> = {}): string {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MALLOC_')));
  const r = spawnSync(LAUNCHER, args, { encoding: 'utf8', env: { ...base, ...env, PATH: `${dir}:${process.env.PATH}` } });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('bin/ebpfsh', () => {
  it('bounds the old generation and gives big native buffers back to the OS for the shell', () => {
    for (const args of [[], ['-w', 'x.db']]) {
      const out = launch(args);
      expect(out).toMatch(/^args: --max-semi-space-size=32 --max-old-space-size=1024 \S+\/dist\/main\.js/m);
      expect(out).toContain('mmap: 131072');
    }
  });

  it('leaves replay and bulk commands with node defaults, and a malloc setting of the caller as it was', () => {
    for (const args of [['replay', 'x.db'], ['query', 'x.db', 'SELECT 1']]) {
      const out = launch(args);
      expect(out).toMatch(/^args: --max-semi-space-size=32 \S+\/dist\/main\.js/m);
      expect(out).toContain('mmap: unset');
    }
    expect(launch([], { MALLOC_MMAP_THRESHOLD_: '65536' })).toContain('mmap: 65536');
  });
});
