import { CaptureReader } from '../../store/index.js';
import { UsageError } from '../../commands/errors.js';
import { escapeTerminal } from '../../text/index.js';
import { modelOfCapture } from './capture-feed.js';
import { DashboardView } from './dashboard-view.js';

/** `ebpfsh dash FILE`: the dashboard over a whole capture, until q or Esc. */
export async function runDashboardOnCapture(path: string): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new UsageError('ebpfsh dash needs a terminal (for text, use: ebpfsh info / ebpfsh query)');
  const r = CaptureReader.open(path);
  let model;
  try {
    model = await modelOfCapture(r, (n) => process.stderr.write(`\rebpfsh: reading ${escapeTerminal(path)}: ${n} events`));
    const info = r.info();
    process.stderr.write('\n');
    return await new Promise<number>((resolve) => {
      const view: DashboardView = new DashboardView({
        title: `${path}${info.cleanStop ? '' : ' UNCLEAN STOP'}`,
        clockOffsetNs: info.clockOffsetNs,
        onExit: () => resolve(0),
        onCycleFocus: () => {
          model!.cycleFocus();
          view.render(model!.snapshot());
        },
      });
      process.once('SIGTERM', () => {
        view.destroy();
        resolve(143);
      });
      view.render(model!.snapshot());
    });
  } finally {
    r.close();
  }
}
