/** Terminal sequences the shell and replay write around ink (and the dashboard). */
export const ALT_SCREEN_ON = '\x1b[?1049h\x1b[H';
export const ALT_SCREEN_OFF = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';

/** Writes to the terminal, ignoring a terminal that is gone (SIGHUP). */
export function writeTerminal(s: string): void {
  try {
    process.stdout.write(s);
  } catch {
    // nothing left to restore
  }
}

/**
 * Call before ink is first imported. ink reads CI / CONTINUOUS_INTEGRATION
 * once at import and, when set, draws nothing until exit; a shell started on
 * a real terminal (even inside a CI job or a test's tmux) is interactive.
 * React runs its production build: its development checks cost several
 * times more per render and nothing in a responder's terminal needs them.
 */
export function prepareInk(): void {
  if (process.stdout.isTTY) {
    for (const k of ['CI', 'CONTINUOUS_INTEGRATION']) if (k in process.env) process.env[k] = '0';
  }
  process.env.NODE_ENV ??= 'production';
}

/**
 * Gives the terminal back after ink (and the dashboard): unmounts them,
 * leaves raw mode, releases stdin (ink leaves it flowing, which would keep
 * the process alive), then the main screen and the cursor.
 */
export function releaseTerminal(unmount: () => void): void {
  try {
    unmount();
  } catch {
    // already unmounted
  }
  try {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stdin.unref();
  } catch {
    // stdin closed
  }
  writeTerminal(ALT_SCREEN_OFF + SHOW_CURSOR);
}
