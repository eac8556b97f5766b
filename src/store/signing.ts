import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint } from './chain-encoding.js';
import { CaptureError } from './errors.js';

/** Mode of a private key file: the signer's eyes only. */
export const PRIVATE_KEY_MODE = 0o600;
/** Largest key file read: a PEM Ed25519 key is ~120 bytes. */
const MAX_KEY_BYTES = 64 << 10;

/** Reads a small PEM file for a key, with one clear error for anything else. */
export function readKeyFile(path: string, what: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaptureError(code === 'ENOENT' ? `${what} ${path} does not exist (make a key pair with: ebpfsh keygen DIR)` : `cannot read ${what} ${path} (${code ?? 'error'})`, 'KEY');
  }
  if (!st.isFile()) throw new CaptureError(`${what} ${path} is not a file`, 'KEY');
  if (st.size > MAX_KEY_BYTES) throw new CaptureError(`${what} ${path} is not a PEM key (${st.size} bytes)`, 'KEY');
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CaptureError(`cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'KEY');
  }
}

/**
 * Loads the Ed25519 private key `--sign` names and returns it as PKCS#8 PEM
 * for the writer thread. Called before recording starts, so a bad key file
 * is a clear error and nothing is recorded.
 */
export function loadSigningKey(path: string): { pem: string; fingerprint: string } {
  const text = readKeyFile(path, 'signing key');
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    const pub = (() => {
      try {
        createPublicKey(text);
        return true;
      } catch {
        return false;
      }
    })();
    throw new CaptureError(pub ? `${path} is a public key: --sign needs the private key (the .key file ebpfsh keygen wrote)` : `${path} is not a PEM private key (make a key pair with: ebpfsh keygen DIR)`, 'KEY');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CaptureError(`${path} is a ${key.asymmetricKeyType ?? 'non-Ed25519'} key: captures are signed with Ed25519 (make one with: ebpfsh keygen DIR)`, 'KEY');
  const fingerprint = keyFingerprint(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), fingerprint };
}

/** The files `ebpfsh keygen TARGET` writes: TARGET/ebpfsh-signing.key|.pub for a directory, else TARGET.key|.pub. */
export function keyPaths(target: string): { privatePath: string; publicPath: string } {
  let dir = false;
  try {
    dir = statSync(target).isDirectory();
  } catch {
    // a prefix
  }
  const base = dir ? join(target, 'ebpfsh-signing') : target;
  return { privatePath: `${base}.key`, publicPath: `${base}.pub` };
}

/** Writes `text` to a new file (never over one, never through a symlink) with `mode` whatever the umask. */
function writeNew(path: string, text: string, mode: number): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes an Ed25519 key pair: the private key (PKCS#8 PEM, mode 0600) and the
 * public key (SPKI PEM, 0644). Refuses to overwrite either file.
 */
export function generateSigningKeys(target: string): { privatePath: string; publicPath: string; fingerprint: string } {
  const { privatePath, publicPath } = keyPaths(target);
  for (const p of [privatePath, publicPath]) if (existsSync(p)) throw new CaptureError(`${p} already exists: keys are never overwritten (choose another name, or remove it first)`, 'EEXIST');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    writeNew(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), PRIVATE_KEY_MODE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaptureError(code === 'EEXIST' ? `${privatePath} already exists: keys are never overwritten` : `cannot write ${privatePath} (${code ?? (e as Error).message}); choose a writable directory`, 'KEY');
  }
  try {
    writeNew(publicPath, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  } catch (e) {
    unlinkSync(privatePath);
    const code = (e as NodeJS.ErrnoException).code;
    throw new CaptureError(code === 'EEXIST' ? `${publicPath} already exists: keys are never overwritten` : `cannot write ${publicPath} (${code ?? (e as Error).message})`, 'KEY');
  }
  return { privatePath, publicPath, fingerprint: keyFingerprint(publicKey.export({ type: 'spki', format: 'der' })) };
}
