import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { Shell } from '../../src/tui/shell/Shell.js';
import { ShellModel, type ShellModelOptions } from '../../src/tui/shell/shell-model.js';
import { FakeEngine } from './fake-engine.js';

/** Keys as a terminal sends them. */
export const KEY = {
  enter: '\r',
  esc: '\x1b',
  up: '\x1b[A',
  down: '\x1b[B',
  pageUp: '\x1b[5~',
  end: '\x1b[F',
  home: '\x1b[H',
  tab: '\t',
  backspace: '\x7f',
  ctrlC: '\x03',
  ctrlD: '\x04',
};

/** Lets React commit and ink render. */
export const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Renders the shell over a fake engine, 100 columns x `rows`. */
export function renderShell(opts: Partial<ShellModelOptions> & { rows?: number } = {}) {
  const engine = (opts.engine as FakeEngine | undefined) ?? new FakeEngine();
  const model = new ShellModel({ historyFile: null, procRoot: '/nonexistent-proc', flushMs: 5, ...opts, engine });
  const quits: string[] = [];
  model.onQuit = (r) => quits.push(r);
  const app = render(createElement(Shell, { model, rows: opts.rows ?? 24 }));
  const frame = () => app.lastFrame() ?? '';
  /** Writes keys one terminal chunk at a time, letting each render. */
  const type = async (...chunks: string[]) => {
    for (const c of chunks) {
      app.stdin.write(c);
      await settle(c === KEY.esc ? 40 : 10);
    }
    await settle();
  };
  /** Types a command character by character, then Enter. */
  const command = async (text: string) => {
    for (const ch of text) app.stdin.write(ch);
    app.stdin.write('\r');
    await settle(60);
  };
  return { app, engine, model, frame, type, command, quits };
}

/** Polls until `check` holds (commands that touch the disk take longer than a frame). */
export async function until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await settle(20);
  }
}
