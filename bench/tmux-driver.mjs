// A private tmux server holding one 'bench' session, driven as a responder
// would: send-keys in, capture-pane out (each a process, so every time
// measured through it includes tmux).
import { execFileSync } from 'node:child_process';

const PANE = 'bench:0.0';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `name` names the server's socket (with this pid); the screen is polled every `pollMs`. */
export function tmuxDriver(name, { pollMs = 5 } = {}) {
  const socket = `${name}-${process.pid}`;
  const tmux = (...a) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const screen = () => tmux('capture-pane', '-p', '-t', PANE);
  return {
    tmux,
    screen,
    /** Starts `command` (a shell line) in a `cols` x `rows` session. */
    start(command, cols = 160, rows = 40) {
      tmux('new-session', '-d', '-s', 'bench', '-x', String(cols), '-y', String(rows), command);
    },
    /** Sends literal text, then Enter when asked. */
    type(text, enter = true) {
      tmux('send-keys', '-t', PANE, '-l', text);
      if (enter) tmux('send-keys', '-t', PANE, 'Enter');
    },
    /** Sends named keys (Escape, C-u, ...). */
    key(...keys) {
      tmux('send-keys', '-t', PANE, ...keys);
    },
    /** Polls until the screen holds `test` (text, pattern or check); ms it took from `from`. */
    async until(test, from, ms = 10_000) {
      for (;;) {
        const s = screen();
        if (typeof test === 'string' ? s.includes(test) : test instanceof RegExp ? test.test(s) : test(s)) return performance.now() - from;
        if (performance.now() - from > ms) throw new Error(`timed out waiting for ${test}:\n${s}`);
        await sleep(pollMs);
      }
    },
    /** Ends the server (and whatever runs in it). */
    kill() {
      try {
        tmux('kill-server');
      } catch {
        // gone
      }
    },
  };
}
