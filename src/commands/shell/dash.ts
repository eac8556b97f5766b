import type { ShellCommand } from './types.js';

/** `:dash`: the full-screen dashboard; q or Esc comes back to the shell where it was. */
export const dashCommand: ShellCommand = {
  name: 'dash',
  aliases: ['dashboard'],
  usage: 'dash',
  summary: 'full-screen dashboard: rates, top processes and users, connections, files, losses, coverage (q returns)',
  help: [
    'top processes groups a command under its parent by default (a forking loop is one bar: curl ×37 ← bash(4242)); g switches to one bar per pid, and the title says which.',
    'top users shows name(uid) (live: this host\'s names; in replay: the recording host\'s).',
    'p switches the probe the top charts show; q or Esc returns to the shell exactly where it was.',
  ],
  run() {
    return { kind: 'dashboard' };
  },
};
