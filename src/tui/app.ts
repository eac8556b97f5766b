import { render, type Instance, type RenderOptions } from 'ink';
import type { ReactElement } from 'react';
import { errorLine } from '../commands/errors.js';
import type { Signals, StopRequest } from '../commands/signals.js';
import { historyFile, trimHistory } from '../session/index.js';
import { shareInkLineCache } from './ink-line-cache.js';
import { wireDashboard, type DashboardFeed } from './dashboard/dashboard-switch.js';
import { ALT_SCREEN_ON, releaseTerminal, writeTerminal } from './terminal.js';

/** What one full-screen app (the live shell, or replay) brings to the one lifecycle. */
export interface AppSpec {
  /** The shell model the app renders: `:quit`, Ctrl-D, a confirmed Ctrl-C and `:dash` reach the lifecycle through it. */
  model: { onQuit: (reason: string) => void; onDashboard: (() => void) | null; say(text: string, tone: 'info'): void };
  /** The root element ink renders (again after the dashboard). */
  element(): ReactElement;
  /** ink's per-frame report (render statistics). */
  onRender?: RenderOptions['onRender'];
  /** What `:dash` shows. */
  dashboard: { feed: DashboardFeed; title: string; clockOffsetNs: number };
  /** Runs first on shutdown, before the terminal is restored: kernel state (detach every probe), and stop feeding the view. */
  release(): void;
  /** Runs once the terminal is restored: finalizes what the app holds; returns the last line's text after `ebpfsh: <reason>: `. */
  close(): Promise<string> | string;
  /** Last resort if the process exits under the app (something called process.exit): kernel state, before the terminal is restored. */
  atExit?(): void;
}

/**
 * The one lifecycle of the full-screen apps: mounts ink on the alternate
 * screen, wires `:dash`, and on `:quit`, Ctrl-D, a second Ctrl-C (the model
 * asks first: in raw mode the key is input, not a signal), SIGINT, SIGTERM,
 * SIGHUP or an uncaught error shuts down exactly once: release (probes detached even if
 * the rest fails), terminal restored, the error said in one line, then close
 * (the capture finalized). Returns the exit code; after a hang-up it exits
 * itself, without Node's terminal reset (which aborts on a gone terminal).
 */
export async function runApp(spec: AppSpec, signals: Signals): Promise<number> {
  // Lines that stay on screen are tokenized once, not once per frame (ink-line-cache.ts).
  await shareInkLineCache();
  let instance: Instance | undefined;
  let dashboard: { destroy(): void } | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((r) => (finish = r));
  let terminalRestored = false;
  let closing = false;

  const restoreTerminal = () => {
    if (terminalRestored) return;
    terminalRestored = true;
    releaseTerminal(() => {
      dashboard?.destroy();
      instance?.unmount();
    });
  };

  const shutdown = async (reason: string, code: number, error?: unknown) => {
    if (closing) return;
    closing = true;
    let said: string;
    try {
      spec.release();
    } finally {
      restoreTerminal();
      if (error !== undefined) process.stderr.write(`ebpfsh: ${errorLine(error)}\n`);
      if (error !== undefined && process.env.EBPFSH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    }
    try {
      said = await spec.close();
    } catch (e) {
      said = errorLine(e);
    }
    trimHistory(historyFile());
    process.stderr.write(`ebpfsh: ${reason}: ${said}\n`);
    // A hung-up terminal makes Node's own exit abort while resetting it (EIO):
    // everything is finalized by now, so leave without that reset.
    if (reason === 'SIGHUP') signals.exit(code, { terminalGone: true });
    finish(code);
  };

  // Out of ink's input dispatch: unmounting from inside it left stdin referenced.
  spec.model.onQuit = (reason) => setImmediate(() => void shutdown(reason, 0));
  const unlisten = signals.onStop((r: StopRequest) => void shutdown(r.reason, r.code, r.error));
  // Never leave raw mode or the alternate screen behind.
  const unlistenExit = signals.onExit(() => {
    try {
      spec.atExit?.();
    } finally {
      restoreTerminal();
    }
  });

  const mount = () => {
    // Raw mode before anything is drawn: ink turns it on in an effect that runs after its first frame,
    // and a Ctrl-C pressed in between (seen under load) was SIGINT, not the key that asks first.
    // A key pressed meanwhile waits in the terminal until ink reads it.
    if (process.stdin.isTTY) {
      try {
        process.stdin.setRawMode(true);
      } catch {
        // no terminal after all: ink says so its own way
      }
    }
    writeTerminal(ALT_SCREEN_ON);
    // ink 6.8's incremental mode left a stale first line under tmux (seen here): full frames it is.
    // The model paces the frames (src/tui/shell/frame-pacer.ts: events at ~25/s, a key at once):
    // ink's own throttle (30 fps by default) would hold a key's frame back behind an event frame's.
    instance = render(spec.element(), { exitOnCtrlC: false, patchConsole: true, maxFps: 1000, onRender: spec.onRender });
    instance.waitUntilExit().catch((e: unknown) => void shutdown('internal error', 1, e));
  };
  dashboard = wireDashboard({
    model: spec.model,
    unmount: () => {
      instance?.unmount();
      instance = undefined;
    },
    mount,
    closing: () => closing,
    feed: spec.dashboard.feed,
    title: spec.dashboard.title,
    clockOffsetNs: spec.dashboard.clockOffsetNs,
  });
  mount();

  const code = await finished;
  unlisten();
  unlistenExit();
  return code;
}
