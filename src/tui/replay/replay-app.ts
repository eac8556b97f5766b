import { render, type Instance } from 'ink';
import { createElement } from 'react';
import { errorLine } from '../../commands/errors.js';
import { historyFile, loadHistory, trimHistory } from '../../commands/shell/history.js';
import { exitWithoutTerminal } from '../../engine/index.js';
import { escapeTerminal } from '../../text/index.js';
import { CaptureReader } from '../../store/index.js';
import { wireDashboard } from '../dashboard/dashboard-switch.js';
import { ReplayDashboardFeed } from '../dashboard/replay-feed.js';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON, SHOW_CURSOR, releaseTerminal, writeTerminal } from '../terminal.js';
import { replayHeader } from './replay-header.js';
import { ReplayShell } from './ReplayShell.js';
import { ReplaySource } from './replay-source.js';
import { replayModel } from './replay-wiring.js';
import { loadTimeline, type TimelineData } from './timeline.js';

/** Events shown at once on opening: the first screen, paused. */
const FIRST_SCREEN = 60;

/** Everything a replay screen needs, opened from a capture file (also used by the benchmark). */
export interface OpenReplay {
  reader: CaptureReader;
  source: ReplaySource;
  model: ReturnType<typeof replayModel>;
  header: ReturnType<typeof replayHeader>;
  /** The timeline once its losses are read (null until then). */
  timeline: () => TimelineData | null;
  close(): void;
}

/**
 * Opens a capture for replay: validates it (read-only, never modified),
 * starts the event stream at its beginning and shows the first screen,
 * paused. Throws a CaptureError for anything that is not a readable capture.
 */
export function openReplay(path: string, opts: { firstScreen?: number } = {}): OpenReplay {
  const reader = CaptureReader.open(path);
  try {
    const source = new ReplaySource(reader);
    const hist = historyFile();
    const model = replayModel(source, { historyFile: hist, history: loadHistory(hist) });
    const header = replayHeader(source.info, source.span().endNs);
    let timeline: TimelineData | null = null;
    void loadTimeline(reader, source.info, source.span(), source.probes, source.notes()).then((t) => {
      timeline = t;
      source.notify();
    }, () => undefined);
    source.step(opts.firstScreen ?? FIRST_SCREEN);
    model.flush();
    return {
      reader,
      source,
      model,
      header,
      timeline: () => timeline,
      close() {
        model.dispose();
        source.close();
        reader.close();
      },
    };
  } catch (e) {
    reader.close();
    throw e;
  }
}

/**
 * `ebpfsh replay FILE`: the shell's screen fed from a capture, as any user,
 * until `:quit`, Ctrl-C, SIGTERM or SIGHUP; the terminal is restored on each
 * and on an uncaught error. Returns the exit code.
 */
export async function runReplayApp(path: string): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('ebpfsh: replay needs a terminal (stdin and stdout must be a TTY); in scripts use: ebpfsh info FILE, ebpfsh query FILE "SQL", ebpfsh export FILE\n');
    return 2;
  }
  let r: OpenReplay;
  try {
    r = openReplay(path);
  } catch (e) {
    process.stderr.write(`ebpfsh: ${errorLine(e)}\n`);
    return 1;
  }
  const { model, source } = r;
  model.say('paused at the start: Space plays, + - speed, . steps, ] [ next/previous note, :goto 14:03:15 | +30s | note 1, :help', 'info');

  let instance: Instance | undefined;
  let dashboard: { destroy(): void } | undefined;
  // Follows the replay clock from the start, like the view does.
  const feed = new ReplayDashboardFeed(source, r.reader, (p) => source.background.has(p));
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((res) => (finish = res));
  let closing = false;
  const stopTicking = source.run(33);

  const shutdown = (reason: string, code: number, error?: unknown) => {
    if (closing) return;
    closing = true;
    stopTicking();
    feed.dispose();
    releaseTerminal(() => {
      dashboard?.destroy();
      instance?.unmount();
    });
    r.close();
    trimHistory(historyFile());
    if (error !== undefined) process.stderr.write(`ebpfsh: ${errorLine(error)}\n`);
    if (error !== undefined && process.env.EBPFSH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.stderr.write(`ebpfsh: ${reason}: replay of ${escapeTerminal(path)} closed (the capture is unchanged)\n`);
    // A hung-up terminal makes Node's own exit abort while resetting it (EIO):
    // everything is finalized by now, so leave without that reset.
    if (reason === 'SIGHUP') exitWithoutTerminal(code);
    finish(code);
  };

  // Out of ink's input dispatch: unmounting from inside it left stdin referenced.
  model.onQuit = (reason) => setImmediate(() => shutdown(reason, 0));
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', () => shutdown('SIGINT', 130)],
    ['SIGTERM', () => shutdown('SIGTERM', 143)],
    ['SIGHUP', () => shutdown('SIGHUP', 129)],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  const onCrash = (e: unknown) => shutdown('internal error', 1, e);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const onExit = () => writeTerminal(ALT_SCREEN_OFF + SHOW_CURSOR);
  process.on('exit', onExit);

  const mount = () => {
    writeTerminal(ALT_SCREEN_ON);
    instance = render(createElement(ReplayShell, { model, source, header: r.header, timeline: r.timeline }), { exitOnCtrlC: false, patchConsole: true, maxFps: 30 });
    instance.waitUntilExit().catch((e: unknown) => shutdown('internal error', 1, e));
  };
  dashboard = wireDashboard({
    model,
    unmount: () => {
      instance?.unmount();
      instance = undefined;
    },
    mount,
    closing: () => closing,
    feed: { model: () => feed.model(), tick: () => feed.tick() },
    title: `replay ${escapeTerminal(path)}`,
    clockOffsetNs: source.span().offsetNs,
  });
  mount();

  const code = await finished;
  for (const [s, h] of handlers) process.off(s, h);
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  process.off('exit', onExit);
  return code;
}
