import { escapeTerminal } from '../text/index.js';
import { generateSigningKeys } from '../store/index.js';

/** Runs `ebpfsh keygen DIR|PREFIX`: an Ed25519 key pair for `record --sign` and `verify --key`. */
export function runKeygen(target: string, out: (s: string) => void = (s) => process.stdout.write(s)): void {
  const k = generateSigningKeys(target);
  const e = escapeTerminal;
  out(
    `private key ${e(k.privatePath)} (mode 0600: keep it secret; record --sign ${e(k.privatePath)})\n` +
      `public key  ${e(k.publicPath)} (hand it to whoever checks: verify --key ${e(k.publicPath)})\n` +
      `fingerprint ${k.fingerprint}\n`,
  );
}
