import { render, type Instance } from 'ink';
import { closeSync, writeSync } from 'node:fs';
import { createElement } from 'react';
import { errorLine } from '../commands/errors.js';
import { exampleProbes } from '../commands/probe-list.js';
import { historyFile, loadHistory, openEnvFileForAppend, trimHistory } from '../commands/shell/index.js';
import { Engine, btfProblem, exitWithoutTerminal, privilegeProblem } from '../engine/index.js';
import { escapeTerminal } from '../text/index.js';
import { loadCaptureFactory } from './capture-wiring.js';
import { wireDashboard } from './dashboard/dashboard-switch.js';
import { LiveDashboardFeed } from './dashboard/live-feed.js';
import { ALT_SCREEN_ON, releaseTerminal, writeTerminal } from './terminal.js';
import { Shell } from './Shell.js';
import { ShellModel } from './shell-model.js';

/** Options of `ebpfsh` (the shell). */
export interface ShellOptions {
  /** Record everything to this capture file from the start. */
  write?: string;
}


/** Why the shell cannot start here (with what to do instead), or null. */
export function shellProblem(stdin: { isTTY?: boolean } = process.stdin, stdout: { isTTY?: boolean } = process.stdout): string | null {
  if (!stdin.isTTY || !stdout.isTTY)
    return `the interactive shell needs a terminal (stdin and stdout must be a TTY); in scripts and pipes use: ebpfsh trace <probes> [filters], e.g. ebpfsh trace ${exampleProbes()[0]} uid=1000`;
  const p = privilegeProblem() ?? btfProblem();
  return p ? `cannot start the shell: ${p}` : null;
}

/** How long quitting waits for the capture to be finalized (EBPFSH_FINALIZE_MS overrides, for tests). */
const FINALIZE_BUDGET_MS = Number(process.env.EBPFSH_FINALIZE_MS) > 0 ? Number(process.env.EBPFSH_FINALIZE_MS) : 10_000;

/**
 * Runs the interactive shell until `:quit`, Ctrl-C, SIGTERM, SIGHUP or an
 * uncaught error; on every one of them every probe is detached, the capture
 * finalized and the terminal restored. Returns the exit code.
 */
export async function runShellApp(opts: ShellOptions = {}): Promise<number> {
  const problem = shellProblem();
  if (problem) {
    process.stderr.write(`ebpfsh: ${problem}\n`);
    return problem.startsWith('the interactive') ? 2 : 1;
  }
  const captureFactory = await loadCaptureFactory();

  const engine = new Engine();
  const hist = historyFile();
  const model = new ShellModel({ engine, captureFactory, historyFile: hist, history: loadHistory(hist) });
  if (opts.write) {
    try {
      await model.ctx.capture.start(opts.write);
    } catch (e) {
      engine.close();
      process.stderr.write(`ebpfsh: ${errorLine(e)}\n`);
      return 1;
    }
  }

  let instance: Instance | undefined;
  let dashboard: { destroy(): void } | undefined;
  // Fed from the start, so :dash shows the recent past, not an empty chart.
  const feed = new LiveDashboardFeed(engine, (p) => model.ctx.capture.isBackground(p));
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((r) => (finish = r));
  let terminalRestored = false;
  let closing = false;
  const notes: string[] = [];

  const restoreTerminal = () => {
    if (terminalRestored) return;
    terminalRestored = true;
    releaseTerminal(() => {
      dashboard?.destroy();
      instance?.unmount();
    });
  };

  // Kernel state first (probes detached even if the rest fails), then the terminal, then the capture.
  const shutdown = async (reason: string, code: number, error?: unknown) => {
    if (closing) return;
    closing = true;
    const attached = engine.attachments();
    for (const a of attached) {
      try {
        engine.detach(a.probe);
        model.ctx.capture.journal({ action: 'detach', attachment: a });
      } catch (e) {
        notes.push(`detach ${a.probe.name}: ${errorLine(e)}`);
      }
    }
    model.dispose();
    feed.dispose();
    restoreTerminal();
    if (error !== undefined) process.stderr.write(`ebpfsh: ${errorLine(error)}\n`);
    if (error !== undefined && process.env.EBPFSH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    try {
      const recording = model.ctx.capture.current()?.path;
      const budget = Symbol('budget');
      let timer: NodeJS.Timeout | undefined;
      const stats = await Promise.race([model.ctx.capture.stop(), new Promise<typeof budget>((r) => (timer = setTimeout(() => r(budget), FINALIZE_BUDGET_MS)))]);
      clearTimeout(timer);
      if (stats === budget && recording !== undefined)
        notes.push(`capture ${escapeTerminal(recording)} not finalized within ${FINALIZE_BUDGET_MS / 1000} s: it holds what was committed (keep ${escapeTerminal(recording)}-wal with it); readers show it as unclean with the gap, and 'ebpfsh recover ${escapeTerminal(recording)}' finalizes it`);
      else if (stats && stats !== budget) notes.push(`capture ${escapeTerminal(stats.path)} finalized (${stats.events} events)`);
    } catch (e) {
      notes.push(`capture: ${errorLine(e)}`);
    }
    engine.close();
    trimHistory(hist);
    process.stderr.write(`ebpfsh: ${reason}: detached ${attached.length} probe${attached.length === 1 ? '' : 's'}${notes.length ? '; ' + notes.join('; ') : ''}\n`);
    // A hung-up terminal makes Node's own exit abort while resetting it (EIO):
    // everything is finalized by now, so leave without that reset.
    if (reason === 'SIGHUP') exitWithoutTerminal(code);
    finish(code);
  };

  // Out of the input handler: unmounting ink from inside its own input dispatch left stdin referenced.
  model.onQuit = (reason) => setImmediate(() => void shutdown(reason, 0));
  const onSignal = (sig: NodeJS.Signals, code: number) => () => void shutdown(sig, code);
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', onSignal('SIGINT', 130)],
    ['SIGTERM', onSignal('SIGTERM', 143)],
    ['SIGHUP', onSignal('SIGHUP', 129)],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  const onCrash = (e: unknown) => void shutdown('internal error', 1, e);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  // Last resort if something calls process.exit directly: never leave raw mode or the alternate screen behind.
  const onExit = () => {
    for (const a of engine.attachments()) {
      try {
        engine.detach(a.probe);
      } catch {
        // exiting anyway
      }
    }
    restoreTerminal();
  };
  process.on('exit', onExit);

  // Under sudo only an existing file of the sudo user's (user-file.ts envFilePolicy).
  const statsFd = openEnvFileForAppend('EBPFSH_RENDER_STATS');
  let frames = 0;
  let renderMs = 0;
  const statsTimer = statsFd !== undefined
    ? setInterval(() => {
        try {
          writeSync(statsFd!, JSON.stringify({ t: Date.now(), frames, renderMs: +renderMs.toFixed(1), rss: process.memoryUsage().rss, inView: model.window.rows().length }) + '\n');
        } catch {
          // diagnostics only
        }
        frames = 0;
        renderMs = 0;
      }, 1000)
    : undefined;

  const mount = () => {
    writeTerminal(ALT_SCREEN_ON);
    instance = render(createElement(Shell, { model }), {
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: 30,
      // ink 6.8's incremental mode left a stale first line under tmux (seen here): full frames it is.
      onRender: (m) => {
        frames++;
        renderMs += m.renderTime;
      },
    });
    instance.waitUntilExit().catch((e: unknown) => void shutdown('internal error', 1, e));
  };

  const feedTimer = setInterval(() => feed.tick(), 1000);
  dashboard = wireDashboard({
    model,
    unmount: () => {
      instance?.unmount();
      instance = undefined;
    },
    mount,
    closing: () => closing,
    feed: { model: () => feed.model, tick: () => feed.tick(), opened: () => feed.show(model.heldEvents()), closed: () => feed.hide() },
    title: 'live',
    clockOffsetNs: engine.clock.offsetNs,
  });

  mount();

  const code = await finished;
  clearInterval(feedTimer);
  if (statsTimer) clearInterval(statsTimer);
  if (statsFd !== undefined) closeSync(statsFd);
  for (const [s, h] of handlers) process.off(s, h);
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  process.off('exit', onExit);
  return code;
}
