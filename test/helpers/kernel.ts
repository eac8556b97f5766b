import { spawn, spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { btfProblem, privilegeProblem } from '../../src/engine/index.js';

/** Why kernel tests cannot run here, or null. */
export const kernelProblem: string | null = privilegeProblem() ?? btfProblem();

/**
 * describe() for tests that load real BPF: skipped with the reason where that
 * is impossible, but under CI=true a skip is a failure.
 */
export function describeKernel(name: string, fn: () => void): void {
  if (!kernelProblem) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('can load BPF (required under CI=true)', () => {
        throw new Error(`kernel tests cannot run: ${kernelProblem}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${kernelProblem})`, fn);
  }
}

/** Runs a command to completion; returns its pid, status and output. */
export function run(cmd: string, args: string[], opts: { uid?: number; cwd?: string } = {}): Promise<{ pid: number; code: number | null; stdout: string; stderr: string }> {
  const argv = opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ pid: p.pid!, code, stdout, stderr }));
  });
}

/** True when `cmd` is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Waits until `check` returns a value (polling), or fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | null | false, ms = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
