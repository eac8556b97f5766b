import type { ShellCommand } from './types.js';

/** `:dash`: the full-screen dashboard; q or Esc comes back to the shell where it was. */
export const dashCommand: ShellCommand = {
  name: 'dash',
  aliases: ['dashboard'],
  usage: 'dash',
  summary: 'full-screen dashboard: rates, top processes and users, connections, files, losses, coverage (q returns)',
  help: ['p switches the probe the top charts show; q or Esc returns to the shell exactly where it was.'],
  run() {
    return { kind: 'dashboard' };
  },
};
