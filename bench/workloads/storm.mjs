// The storm workload (storm.c: opens, execs or connects as fast as asked), for the bench scripts.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'storm.c');
export const STORM = join(here, 'build/storm');

/** The storm binary, built when missing or older than its source; returns its path. */
export function stormBinary() {
  if (existsSync(STORM) && statSync(STORM).mtimeMs >= statSync(SOURCE).mtimeMs) return STORM;
  mkdirSync(dirname(STORM), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', STORM, SOURCE], { stdio: 'inherit' });
  return STORM;
}
