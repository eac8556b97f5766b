import type { CaptureReader } from '../store/index.js';
import { escapeTerminal } from '../text/index.js';

/**
 * Warns once on stderr before rows of a capture that is not finalized and
 * whose recorder did not die are written out: they are what the file holds so
 * far, and rows committed since its last checkpoint may be in a -wal it lacks.
 * Returns the warning, or undefined when there is none.
 */
export function warnIfNotFinalized(reader: CaptureReader, path: string, write: (s: string) => void = (s) => process.stderr.write(s)): string | undefined {
  const u = reader.unfinished();
  if (!u || u.reason === 'died') return undefined;
  const line = `ebpfsh: WARNING: ${escapeTerminal(path)} is not finalized: still being written, or copied without its -wal: copy both, or wait for the stop (only what it holds so far is shown)\n`;
  write(line);
  return line;
}
