import type { ShellOptions } from './shell-app.js';

export type { ShellOptions };

/**
 * Starts the interactive shell (see shell-app.ts). React and ink load only
 * here, in production mode: React's development build costs several times
 * more per render, and nothing in a responder's terminal needs its checks.
 */
export async function runShell(opts: ShellOptions = {}): Promise<number> {
  process.env.NODE_ENV ??= 'production';
  const { runShellApp } = await import('./shell-app.js');
  return runShellApp(opts);
}
