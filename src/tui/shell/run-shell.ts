import type { ShellOptions } from './shell-app.js';
import { prepareInk } from '../terminal.js';

export type { ShellOptions };

/** Starts the interactive shell (see shell-app.ts); React and ink load only here. */
export async function runShell(opts: ShellOptions): Promise<number> {
  prepareInk();
  const { runShellApp } = await import('./shell-app.js');
  return runShellApp(opts);
}
