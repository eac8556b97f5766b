import { escapeTerminal } from '../text/index.js';
import type { CaptureReader } from '../store/index.js';

/**
 * Warns once on stderr before a capture whose integrity chain the quick check
 * finds broken is shown (chain-status.ts: no event is read, so opening stays
 * fast). Returns the warning, or undefined when there is none.
 */
export function warnIfChainBroken(reader: CaptureReader, path: string, write: (s: string) => void = (s) => process.stderr.write(s)): string | undefined {
  const c = reader.chainStatus();
  if (c.state !== 'broken') return undefined;
  const line = `ebpfsh: WARNING: ${escapeTerminal(path)} may have been changed since it was recorded (integrity chain: ${escapeTerminal(c.reason ?? 'inconsistent')}); run ebpfsh verify ${escapeTerminal(path)}\n`;
  write(line);
  return line;
}
