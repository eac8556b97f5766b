import { UsageError } from '../errors.js';
import type { ShellCommand, ShellContext } from './types.js';

/** How long a first Ctrl-C on the shell's empty line waits for the second one that quits (any other key cancels it). */
export const QUIT_CONFIRM_MS = 3000;

/** The command called `name` or one of its aliases. */
export function findCommand(commands: readonly ShellCommand[], name: string): ShellCommand | undefined {
  const n = name.replace(/^:/, '').toLowerCase();
  return commands.find((c) => c.name === n || c.aliases.includes(n));
}

function overview(ctx: ShellContext): string[] {
  const w = Math.max(...ctx.commands.map((c) => c.usage.length));
  return [
    ...ctx.commands.map((c) => `:${c.usage.padEnd(w)}  ${c.summary}`),
    '',
    'keys: Up/Down/PgUp/PgDn scroll the events, End follows, Enter opens the detail of the selected event,',
    '      / searches (/ Enter again: the next older match), : starts a command (Tab completes, Up/Down history),',
    '      Esc closes a pane or cancels the line; Ctrl-C clears the line or closes the pane, and on an empty line asks:',
    `      a second Ctrl-C within ${QUIT_CONFIRM_MS / 1000} s quits (${ctx.replay ? 'the capture stays unchanged' : 'probes detached, the capture finalized'}), as do :quit and Ctrl-D`,
    'detail pane: every field, then the process: its life (start, exit and status, or running), its cwd (read when first seen), its cgroup',
    '      as a path with the container id it names; a connect to this host names the process listening at the other end',
    '      (row marker ⇄ pid comm), or says no local listener found',
    ':help <command> for one command',
  ];
}

/** `:help [command]` */
export const helpCommand: ShellCommand = {
  name: 'help',
  aliases: ['h', '?'],
  usage: 'help [command]',
  summary: 'this list, or one command in detail',
  complete: (ctx, args, word) => (args.length ? [] : ctx.commands.map((c) => c.name).filter((n) => n.startsWith(word.replace(/^:/, '')))),
  run(ctx, args) {
    if (args.length === 0) return { kind: 'page', title: 'help', lines: overview(ctx) };
    const cmd = findCommand(ctx.commands, args[0]!);
    if (!cmd) throw new UsageError(`no command '${args[0]}' (:help lists them)`);
    const aliases = cmd.aliases.length ? `aliases: ${cmd.aliases.map((a) => ':' + a).join(', ')}` : '';
    return { kind: 'page', title: `help ${cmd.name}`, lines: [`:${cmd.usage}`, `  ${cmd.summary}`, ...(cmd.help ?? []).map((l) => `  ${l}`), ...(aliases ? [`  ${aliases}`] : [])] };
  },
};
