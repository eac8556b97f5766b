import { closeSync, writeSync } from 'node:fs';
import { createElement } from 'react';
import { errorLine } from '../../commands/errors.js';
import { DEFAULT_PROFILE, exampleProbes } from '../../commands/probe-list.js';
import type { Signals } from '../../commands/signals.js';
import { btfProblem, privilegeProblem } from '../../engine/index.js';
import { FlightRing, historyFile, loadHistory, openEnvFileForAppend, ringLimitsFromEnv, type CaptureFactory, type RingLimits, type ShellEngine } from '../../session/index.js';
import { escapeTerminal, setHostNames } from '../../text/index.js';
import { hostNames } from '../../proc/index.js';
import { runApp } from '../app.js';
import { LiveDashboardFeed } from '../dashboard/live-feed.js';
import { Shell } from './Shell.js';
import { ShellModel } from './shell-model.js';

/** Options of `ebpfsh` (the shell), and what src/main.ts hands it. */
export interface ShellOptions {
  /** Record everything to this capture file from the start. */
  write?: string;
  /** The process's signals and exit. */
  signals: Signals;
  /** Builds the live engine (the shell closes it). */
  newEngine(): ShellEngine;
  /** Opens captures for -w, :record, :mark and :query. */
  captureFactory: CaptureFactory;
}

/** Why the shell cannot start here (with what to do instead), or null. */
export function shellProblem(stdin: { isTTY?: boolean } = process.stdin, stdout: { isTTY?: boolean } = process.stdout): string | null {
  if (!stdin.isTTY || !stdout.isTTY)
    return `the interactive shell needs a terminal (stdin and stdout must be a TTY); in scripts and pipes use: ebpfsh trace <probes> [filters], e.g. ebpfsh trace ${exampleProbes()[0]} uid=1000`;
  const p = privilegeProblem() ?? btfProblem();
  return p ? `cannot start the shell: ${p}` : null;
}

/**
 * After the prompt's first frame, how long before probes start loading ahead
 * (Engine.preload): the prompt is up and typing works before any load begins.
 * EBPFSH_PRELOAD=0 turns it off (a host where the verifier's CPU at start matters more).
 */
const PRELOAD_AFTER_MS = 50;
const PRELOAD = process.env.EBPFSH_PRELOAD !== '0';

/** How long quitting waits for the capture to be finalized (EBPFSH_FINALIZE_MS overrides, for tests). */
const FINALIZE_BUDGET_MS = Number(process.env.EBPFSH_FINALIZE_MS) > 0 ? Number(process.env.EBPFSH_FINALIZE_MS) : 10_000;

/**
 * Runs the interactive shell until `:quit`, Ctrl-C, SIGTERM, SIGHUP or an
 * uncaught error; on every one of them every probe is detached, the capture
 * finalized and the terminal restored (app.ts). Returns the exit code.
 */
export async function runShellApp(opts: ShellOptions): Promise<number> {
  const problem = shellProblem();
  if (problem) {
    process.stderr.write(`ebpfsh: ${problem}\n`);
    return problem.startsWith('the interactive') ? 2 : 1;
  }
  // Live, the traced host is this one: its names, read once (a user added later shows as a number).
  setHostNames(hostNames());
  let limits: RingLimits;
  try {
    limits = ringLimitsFromEnv();
  } catch (e) {
    process.stderr.write(`ebpfsh: ${errorLine(e)}\n`);
    return 2;
  }
  const engine = opts.newEngine();
  const hist = historyFile();
  // The minutes before :record --since: kept from the start, whether or not anything records.
  const ring = new FlightRing(limits);
  const model = new ShellModel({ engine, captureFactory: opts.captureFactory, historyFile: hist, history: loadHistory(hist), ring });
  if (opts.write) {
    try {
      await model.ctx.capture.start(opts.write);
    } catch (e) {
      engine.close();
      process.stderr.write(`ebpfsh: ${errorLine(e)}\n`);
      return 1;
    }
  }
  // -w records what an intruder leaves unless the responder attaches otherwise.
  if (opts.write) model.run(`attach ${DEFAULT_PROFILE}`);

  // Fed from the start, so :dash shows the recent past, not an empty chart.
  const feed = new LiveDashboardFeed(engine, (p) => model.ctx.capture.isBackground(p), (pid) => model.ctx.processes.get(pid)?.comm);
  const feedTimer = setInterval(() => feed.tick(), 1000);
  const notes: string[] = [];
  let detached = 0;

  // Under sudo only an existing file of the sudo user's (user-file.ts envFilePolicy).
  const statsFd = openEnvFileForAppend('EBPFSH_RENDER_STATS');
  let frames = 0;
  let renderMs = 0;
  let preloadTimer: NodeJS.Timeout | undefined;
  const statsTimer = statsFd !== undefined
    ? setInterval(() => {
        try {
          const m = process.memoryUsage();
          // heap and external apart from rss: tells a growing JS heap from native memory (the bench's memory figures)
          writeSync(statsFd!, JSON.stringify({ t: Date.now(), frames, renderMs: +renderMs.toFixed(1), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, inView: model.window.rows().length }) + '\n');
        } catch {
          // diagnostics only
        }
        frames = 0;
        renderMs = 0;
      }, 1000)
    : undefined;

  const code = await runApp(
    {
      model,
      element: () => createElement(Shell, { model }),
      onRender: (m) => {
        if (PRELOAD && !preloadTimer) preloadTimer = setTimeout(() => engine.preload?.(), PRELOAD_AFTER_MS).unref();
        frames++;
        renderMs += m.renderTime;
      },
      dashboard: {
        feed: { model: () => feed.model, tick: () => feed.tick(), opened: () => feed.show(model.heldEvents()), closed: () => feed.hide() },
        title: 'live',
        clockOffsetNs: engine.clock.offsetNs,
      },
      // Kernel state first: probes detached even if the rest fails.
      release() {
        clearTimeout(preloadTimer);
        const attached = engine.attachments();
        detached = attached.length;
        let done: typeof attached = [];
        try {
          done = engine.detachMany(attached.map((a) => a.probe));
        } catch {
          // one at a time, so one that fails is named and the rest still go
          for (const a of engine.attachments()) {
            try {
              done.push(engine.detach(a.probe));
            } catch (e) {
              notes.push(`detach ${a.probe.name}: ${errorLine(e)}`);
            }
          }
        }
        for (const a of done) model.ctx.capture.journal({ action: 'detach', attachment: a });
        model.dispose();
        feed.dispose();
        clearInterval(feedTimer);
      },
      async close() {
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
        return `detached ${detached} probe${detached === 1 ? '' : 's'}${notes.length ? '; ' + notes.join('; ') : ''}`;
      },
      atExit() {
        for (const a of engine.attachments()) {
          try {
            engine.detach(a.probe);
          } catch {
            // exiting anyway
          }
        }
      },
    },
    opts.signals,
  );
  if (statsTimer) clearInterval(statsTimer);
  if (statsFd !== undefined) closeSync(statsFd);
  return code;
}
