import { CaptureReader, type CaptureInfo } from '../../store/index.js';
import { warnIfChainBroken } from '../../commands/chain-warning.js';
import { UsageError, errorLine } from '../../commands/errors.js';
import type { Signals } from '../../commands/signals.js';
import { escapeTerminal, setHostNames } from '../../text/index.js';
import { modelOfCapture } from './capture-feed.js';
import { DashboardView } from './dashboard-view.js';

/** What the title says of how the capture ended: nothing when it stopped cleanly. */
function stopMark(info: CaptureInfo): string {
  if (info.cleanStop) return '';
  return info.unfinished && info.unfinished.reason !== 'died' ? ' NOT FINALIZED (still being written, or copied without its -wal)' : ' UNCLEAN STOP';
}

/** `ebpfsh dash FILE`: the dashboard over a whole capture, until q or Esc. */
export async function runDashboardOnCapture(path: string, signals: Signals): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('ebpfsh dash needs a terminal (for text, use: ebpfsh info / ebpfsh query)');
  const r = CaptureReader.open(path);
  warnIfChainBroken(r, path);
  setHostNames(r.hostNames()); // the recording host's names: uids differ across hosts
  let model;
  try {
    model = await modelOfCapture(r, (n, done) => process.stderr.write(`\rebpfsh: ${done ? 'read' : 'reading'} ${escapeTerminal(path)}: ${n} events${done ? '\n' : ''}`));
    const info = r.info();
    let unlisten = () => {};
    const code = await new Promise<number>((resolve) => {
      const view: DashboardView = new DashboardView({
        title: `${path}${stopMark(info)}`,
        clockOffsetNs: info.clockOffsetNs,
        onExit: () => resolve(0),
        onCycleFocus: () => {
          model!.cycleFocus();
          view.render(model!.snapshot());
        },
        onToggleGrouping: () => {
          model!.toggleGrouping();
          view.render(model!.snapshot());
        },
      });
      unlisten = signals.onStop((r) => {
        view.destroy();
        if (r.error !== undefined) process.stderr.write(`ebpfsh: ${errorLine(r.error)}\n`);
        resolve(r.code);
      });
      view.render(model!.snapshot());
    });
    unlisten();
    return code;
  } finally {
    r.close();
  }
}
