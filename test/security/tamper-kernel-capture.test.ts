import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runVerify } from '../../src/commands/verify-command.js';
import { generateSigningKeys } from '../../src/store/index.js';
import { describeKernel, run } from '../helpers/kernel.js';
import { OTHER_BIN, recordWhile } from '../helpers/recording.js';
import { sha256 } from '../store/helpers.js';

async function verify(path: string, key?: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runVerify(path, { key }, (s) => (out += s), (s) => (out += s));
  return { code, out };
}

describeKernel('a capture recorded by the real ebpfsh record --sign, checked by verify', () => {
  const dir = mkdtempSync('/tmp/ebpfsh-tamper-kernel-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is intact with its key; an exec row edited afterwards is named with its batch', async () => {
    const keys = generateSigningKeys(join(dir, 'responder'));
    const path = join(dir, 'real.db');
    await recordWhile(path, ['execsnoop', '--sign', keys.privatePath], async () => {
      for (let i = 0; i < 3; i++) await run('/bin/true', [`tamper-${i}`]);
    });
    const ok = await verify(path, keys.publicPath);
    expect(ok.out).toContain('INTACT');
    expect(ok.out).toContain(`signature valid: signed by key ${keys.fingerprint}`);
    expect(ok.code).toBe(0);

    // Without root, as the user the capture was handed to: the same verdict, and the file unchanged.
    chmodSync(dir, 0o755);
    const handed = join(dir, 'handed.db');
    copyFileSync(path, handed);
    chownSync(handed, 1000, 1000);
    const before = sha256(handed);
    const user = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', OTHER_BIN, 'verify', handed, '--key', keys.publicPath], { encoding: 'utf8', timeout: 30_000 });
    expect(user.stdout).toContain('INTACT');
    expect(user.status).toBe(0);
    expect(sha256(handed)).toBe(before);

    const edited = join(dir, 'edited.db');
    copyFileSync(path, edited);
    const db = new Database(edited);
    const id = db.prepare("SELECT id FROM exec WHERE argv LIKE '%tamper-1%'").pluck().get() as number;
    db.prepare("UPDATE exec SET argv = '[\"/bin/true\",\"innocent\"]' WHERE id = ?").run(id);
    db.close();
    const bad = await verify(edited, keys.publicPath);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/row\(s\) edited in exec, batch \d+ \(ids \d+\.\.\d+\) \[/);
  });
});
