import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INSTALL = fileURLToPath(new URL('../scripts/install-tree.sh', import.meta.url));

/**
 * Installs the built tree where other users can read it, for the tests that
 * run ebpfsh as uid 1000: a checkout in a 0700 home (Debian's default) is
 * closed to them. Its path reaches the tests as EBPFSH_TEST_OTHER_BIN.
 */
export default function setup(): (() => void) | undefined {
  if (process.geteuid?.() !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-test-install-'));
  chmodSync(dir, 0o755);
  const dest = join(dir, 'ebpfsh');
  try {
    execFileSync('bash', [INSTALL, dest], { stdio: ['ignore', 'ignore', 'inherit'] });
    process.env.EBPFSH_TEST_OTHER_BIN = join(dest, 'bin/ebpfsh');
  } catch {
    // not built: the tests that need the binary fail on their own, saying so
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
