import { tokenize } from '../../event/index.js';
import { didYouMean, escapeTerminal } from '../../text/index.js';
import { errorLine } from '../errors.js';
import { findCommand } from './help.js';
import type { CommandOutcome, ShellContext } from './types.js';

/** Splits `:name rest` (the colon is optional). */
export function splitCommandLine(line: string): { name: string; rest: string } {
  const m = /^\s*:?\s*(\S*)\s*(.*)$/s.exec(line)!;
  return { name: m[1] ?? '', rest: m[2] ?? '' };
}

/** Runs one command line; every failure becomes an error outcome, never a throw. */
export async function runCommandLine(ctx: ShellContext, line: string): Promise<CommandOutcome> {
  return runCommandLineNow(ctx, line);
}

/**
 * runCommandLine, with the outcome of a command that answers at once (an
 * instant one, e.g. detach) returned at once, not as a promise: the shell
 * shows it in the frame of its echo, not one frame later.
 */
export function runCommandLineNow(ctx: ShellContext, line: string): CommandOutcome | Promise<CommandOutcome> {
  const { name, rest } = splitCommandLine(line);
  if (!name) return { kind: 'ok', lines: [] };
  const cmd = findCommand(ctx.commands, name);
  if (!cmd) return { kind: 'error', message: unknownCommand(ctx, name) };
  const failed = (e: unknown): CommandOutcome => ({ kind: 'error', message: errorLine(e) });
  try {
    const args = cmd.rawArgs ? (rest ? [rest] : []) : tokenize(rest);
    const out = cmd.run(ctx, args);
    return out instanceof Promise ? out.catch(failed) : out;
  } catch (e) {
    return failed(e);
  }
}

/** `unknown command ':atach' (did you mean :attach? :help lists the commands)` */
function unknownCommand(ctx: ShellContext, name: string): string {
  const guess = didYouMean(name, ctx.commands.map((c) => c.name));
  return `unknown command ':${escapeTerminal(name)}' (${guess ? `did you mean :${guess}? ` : ''}:help lists the commands)`;
}
