import { ProbeError } from '../engine/errors.js';
import { FilterError, LayoutError } from '../event/index.js';
import { escapeTerminal } from '../text/index.js';
import { CaptureError } from '../store/errors.js';
import { SessionError } from '../session/errors.js';

/** A usage or input problem found by a command itself. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Errors whose message is meant for the user as it is. */
const KNOWN: readonly (new (...a: never[]) => Error)[] = [ProbeError, FilterError, LayoutError, CaptureError, SessionError, UsageError];

/**
 * The one line to show for an error: its message for known errors, a short
 * note otherwise. Escaped here, for every screen: a message may quote a
 * capture's bytes (a schema object's name, text a parser choked on).
 */
export function errorLine(e: unknown): string {
  if (e instanceof Error && KNOWN.some((k) => e instanceof k)) return escapeTerminal(e.message);
  const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return `internal error: ${escapeTerminal(msg)} (set EBPFSH_DEBUG=1 for details)`;
}

/** The CLI's one error handler: one line on stderr, a non-zero exit, never a stack trace. */
export function reportAndExit(e: unknown, code = 1): never {
  process.stderr.write(`ebpfsh: ${errorLine(e)}\n`);
  if (process.env.EBPFSH_DEBUG) {
    if (e instanceof Error) process.stderr.write(`${String(e.stack).split('\n').map(escapeTerminal).join('\n')}\n`);
    const details = (e as { details?: string }).details;
    if (details) process.stderr.write(String(details).split('\n').map(escapeTerminal).join('\n') + '\n');
  }
  process.exit(code);
}
