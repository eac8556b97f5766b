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
  const { name, rest } = splitCommandLine(line);
  if (!name) return { kind: 'ok', lines: [] };
  const cmd = findCommand(ctx.commands, name);
  if (!cmd) return { kind: 'error', message: unknownCommand(ctx, name) };
  try {
    const args = cmd.rawArgs ? (rest ? [rest] : []) : tokenize(rest);
    return await cmd.run(ctx, args);
  } catch (e) {
    return { kind: 'error', message: errorLine(e) };
  }
}

/** `unknown command ':atach' (did you mean :attach? :help lists the commands)` */
function unknownCommand(ctx: ShellContext, name: string): string {
  const guess = didYouMean(name, ctx.commands.map((c) => c.name));
  return `unknown command ':${escapeTerminal(name)}' (${guess ? `did you mean :${guess}? ` : ''}:help lists the commands)`;
}
