import { explainFilters, filtersText } from '../../probes/index.js';
import { UsageError } from '../errors.js';
import type { CaptureControl, CaptureFactory, CaptureSink, CaptureStats, JournalEntry, ShellEngine } from './types.js';

/** Why `-w`, `:record`, `:mark` and `:query` do nothing yet in this build. */
export const NO_STORE = 'recording is not available in this build yet (the capture store is not wired into the shell); use ebpfsh trace --json > file meanwhile';

/**
 * The shell's one recording slot. While a capture is open it receives every
 * event the engine delivers (independent of the view filter and pause), and
 * starts with a journal entry per probe already attached.
 */
export function createCaptureControl(engine: ShellEngine, factory: CaptureFactory | null, argv: string[] = process.argv): CaptureControl {
  let sink: CaptureSink | null = null;
  let unsubscribe: (() => void) | null = null;
  return {
    unavailable: () => (factory ? null : NO_STORE),
    current: () => sink,
    async start(path) {
      if (!factory) throw new UsageError(NO_STORE);
      if (sink) throw new UsageError(`already recording to ${sink.path} (stop first)`);
      const s = await factory.open(path, { argv });
      sink = s;
      unsubscribe = engine.onEvents((events) => s.write(events));
      for (const a of engine.attachments())
        s.journal({ action: 'attach', probe: a.probe.name, filters: filtersText(a.filters), explain: explainFilters(a.filters), at: Date.now() });
      return s;
    },
    async stop(): Promise<CaptureStats | null> {
      const s = sink;
      if (!s) return null;
      unsubscribe?.();
      unsubscribe = null;
      sink = null;
      const stats = s.stats();
      await s.close();
      return stats;
    },
    journal(entry: JournalEntry) {
      sink?.journal(entry);
    },
  };
}
