import Database from 'better-sqlite3';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeygen } from '../../src/commands/keygen-command.js';
import { runVerify } from '../../src/commands/verify-command.js';
import { recordCommand } from '../../src/commands/shell/capture-commands.js';
import { CaptureError, generateSigningKeys, loadSigningKey } from '../../src/store/index.js';
import { recordChained } from '../store/chain-helpers.js';
import { sha256, tempDir } from '../store/helpers.js';
import type { ShellContext } from '../../src/commands/shell/types.js';

async function verify(path: string, key?: string): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runVerify(path, { key }, (s) => (out += s), (s) => (out += s));
  return { code, out };
}

describe('keygen, record --sign and verify --key', () => {
  const t = tempDir('ebpfsh-sign-');
  afterAll(() => t.cleanup());

  it('keygen writes a 0600 private key and a public key, prints the fingerprint, and never overwrites', async () => {
    let out = '';
    runKeygen(join(t.dir, 'responder'), (s) => (out += s));
    expect(statSync(join(t.dir, 'responder.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(t.dir, 'responder.pub'), 'utf8')).toContain('BEGIN PUBLIC KEY');
    expect(out).toMatch(/fingerprint [0-9a-f]{64}/);
    const before = sha256(join(t.dir, 'responder.key'));
    expect(() => runKeygen(join(t.dir, 'responder'))).toThrow(/responder\.key already exists: keys are never overwritten/);
    expect(sha256(join(t.dir, 'responder.key'))).toBe(before);
    // A directory: ebpfsh-signing.key and .pub inside it.
    mkdirSync(join(t.dir, 'keys'));
    const k = generateSigningKeys(join(t.dir, 'keys'));
    expect(k.privatePath).toBe(join(t.dir, 'keys', 'ebpfsh-signing.key'));
    expect(statSync(k.privatePath).mode & 0o777).toBe(0o600);
  });

  it('a signed capture verifies with its public key (exit 0), and is refused with another key (exit 1)', async () => {
    const mine = generateSigningKeys(join(t.dir, 'mine'));
    const other = generateSigningKeys(join(t.dir, 'other'));
    const { path } = await recordChained(t.dir, 'signed.db', { signKey: loadSigningKey(mine.privatePath).pem, batches: 2 });
    const ok = await verify(path, mine.publicPath);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`signature valid: signed by key ${mine.fingerprint}`);
    const wrong = await verify(path, other.publicPath);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain(`signed with another key (${mine.fingerprint}), not the one given (${other.fingerprint})`);
    // Without --key: intact, and it says the signature was not checked.
    const unchecked = await verify(path);
    expect(unchecked.code).toBe(0);
    expect(unchecked.out).toContain(`signed by key ${mine.fingerprint}; the signature was not checked`);
  });

  it('a tampered signature, a re-signed manifest and an unsigned capture are refused under --key', async () => {
    const mine = generateSigningKeys(join(t.dir, 'mine2'));
    const forger = generateSigningKeys(join(t.dir, 'forger'));
    const { path } = await recordChained(t.dir, 'signed2.db', { signKey: loadSigningKey(mine.privatePath).pem, batches: 2 });
    const copy = (name: string, sql: (db: Database.Database) => void) => {
      const p = join(t.dir, name);
      copyFileSync(path, p);
      const db = new Database(p);
      sql(db);
      db.close();
      return p;
    };
    const flipped = copy('flipped.db', (db) => {
      const sig = Buffer.from(db.prepare('SELECT signature FROM manifest').pluck().get() as Buffer);
      sig[0] ^= 1;
      db.prepare('UPDATE manifest SET signature = ?').run(sig);
    });
    const r1 = await verify(flipped, mine.publicPath);
    expect(r1.code).toBe(1);
    expect(r1.out).toContain('the signature does not match the manifest');
    // An attacker edits a row, recomputes nothing, and signs the manifest with their own key: still refused.
    const forged = copy('forged.db', (db) => {
      const body = db.prepare('SELECT body FROM manifest').pluck().get() as string;
      const key = createPrivateKey(readFileSync(forger.privatePath, 'utf8'));
      db.prepare('UPDATE manifest SET signature = ?, public_key = ?').run(sign(null, Buffer.from(body), key), readFileSync(forger.publicPath, 'utf8'));
    });
    expect((await verify(forged, mine.publicPath)).out).toContain(`signed with another key (${forger.fingerprint})`);
    const unsigned = await recordChained(t.dir, 'unsigned.db', { batches: 1 });
    const r3 = await verify(unsigned.path, mine.publicPath);
    expect(r3.code).toBe(1);
    expect(r3.out).toContain('the capture is not signed, but --key was given');
  });

  it('a bad --sign key is a clear error before any capture file exists', async () => {
    const pubOnly = generateSigningKeys(join(t.dir, 'pubonly'));
    writeFileSync(join(t.dir, 'garbage.key'), 'not a key');
    expect(() => loadSigningKey(pubOnly.publicPath)).toThrow(/is a public key: --sign needs the private key/);
    expect(() => loadSigningKey(join(t.dir, 'garbage.key'))).toThrow(/is not a PEM private key \(make a key pair with: ebpfsh keygen DIR\)/);
    expect(() => loadSigningKey(join(t.dir, 'missing.key'))).toThrow(CaptureError);
    writeFileSync(join(t.dir, 'rsa.key'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadSigningKey(join(t.dir, 'rsa.key'))).toThrow(/is a rsa key: captures are signed with Ed25519/);
  });

  it(':record FILE --sign KEY refuses a bad key before the capture starts', async () => {
    let started = false;
    const ctx = { capture: { unavailable: () => null, start: async () => ((started = true), { path: 'x' }) } } as unknown as ShellContext;
    writeFileSync(join(t.dir, 'bad.key'), 'nope');
    await expect(recordCommand.run(ctx, [join(t.dir, 'x.db'), '--sign', join(t.dir, 'bad.key')])).rejects.toThrow(/not a PEM private key/);
    expect(started).toBe(false);
    await expect(recordCommand.run(ctx, [join(t.dir, 'x.db'), '--sign'])).rejects.toThrow(/--sign needs a value \(usage: record <file.db> .*\[--sign KEYFILE\]\)/);
    const good = generateSigningKeys(join(t.dir, 'shell'));
    let opts: unknown;
    const ctx2 = {
      capture: { unavailable: () => null, lookBack: () => null, start: async (_p: string, o: unknown) => ((opts = o), { path: 'x.db' }) },
      engine: { clock: { offsetNs: 0 } },
    } as unknown as ShellContext;
    const out = await recordCommand.run(ctx2, ['x.db', '--sign', good.privatePath]);
    expect((opts as { signKey: string }).signKey).toContain('BEGIN PRIVATE KEY');
    expect(JSON.stringify(out)).toContain('signed at stop by key');
  });
});
