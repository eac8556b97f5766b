import { createElement } from 'react';
import { warnIfChainBroken } from '../../commands/chain-warning.js';
import { errorLine } from '../../commands/errors.js';
import type { Signals } from '../../commands/signals.js';
import { historyFile, loadHistory } from '../../session/index.js';
import { displayZone, escapeTerminal, setHostNames } from '../../text/index.js';
import { applyCaptureZone } from '../../commands/capture-time.js';
import { CaptureReader } from '../../store/index.js';
import { runApp } from '../app.js';
import { ReplayDashboardFeed } from '../dashboard/replay-feed.js';
import { openingLine, replayHeader } from './replay-header.js';
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
  /** The header as the display zone stands (:set tz re-labels it). */
  header: () => ReturnType<typeof replayHeader>;
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
    warnIfChainBroken(reader, path);
    const source = new ReplaySource(reader);
    const hist = historyFile();
    const model = replayModel(source, { historyFile: hist, history: loadHistory(hist) });
    applyCaptureZone(source.info.hostZone);
    setHostNames(reader.hostNames());
    let headerZone = displayZone();
    let built = replayHeader(source.info, source.span().endNs);
    const header = () => {
      if (displayZone() !== headerZone) {
        headerZone = displayZone();
        built = replayHeader(source.info, source.span().endNs);
      }
      return built;
    };
    let timeline: TimelineData | null = null;
    void loadTimeline(reader, source.info, source.span(), source.probes, source.notes()).then((t) => {
      timeline = t;
      source.notify();
    }, () => undefined);
    source.step(opts.firstScreen ?? FIRST_SCREEN);
    model.flush();
    model.say(openingLine({ control: source, ended: source.ended, shown: source.shown }), 'info');
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
export async function runReplayApp(path: string, signals: Signals): Promise<number> {
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

  // Follows the replay clock from the start, like the view does.
  const feed = new ReplayDashboardFeed(source, r.reader, (p) => source.background.has(p));
  const stopTicking = source.run(33);
  return runApp(
    {
      model,
      element: () => createElement(ReplayShell, { model, source, header: r.header, timeline: r.timeline }),
      dashboard: { feed: { model: () => feed.model(), tick: () => feed.tick() }, title: `replay ${escapeTerminal(path)}`, clockOffsetNs: source.span().offsetNs },
      release() {
        stopTicking();
        feed.dispose();
      },
      close() {
        r.close();
        return `replay of ${escapeTerminal(path)} closed (the capture is unchanged)`;
      },
    },
    signals,
  );
}
