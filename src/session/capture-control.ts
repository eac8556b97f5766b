import { SessionError } from './errors.js';
import type { CaptureControl, CaptureFactory, CaptureSink, CaptureStats, JournalEntry, ShellEngine } from './types.js';

/** Why `-w`, `:record`, `:mark` and `:query` do nothing in a build without the store. */
export const NO_STORE = 'recording is not available in this build (the capture store is not wired into the shell); use ebpfsh record -w FILE';

/**
 * The shell's one recording slot. The capture takes every event the engine
 * delivers (independent of the view filter and pause), and starts with a
 * journal entry per probe already attached.
 */
export function createCaptureControl(engine: ShellEngine, factory: CaptureFactory | null, argv: string[] = ['ebpfsh', ...process.argv.slice(2)]): CaptureControl {
  let sink: CaptureSink | null = null;
  let hidden = new Set<string>();
  return {
    unavailable: () => (factory ? null : NO_STORE),
    current: () => sink,
    async start(path, opts = {}) {
      if (!factory) throw new SessionError(NO_STORE);
      if (sink) throw new SessionError(`already recording to ${sink.path} (stop first)`);
      const userProbes = engine.attachments();
      const s = await factory.open(path, { argv, engine, ...opts });
      sink = s;
      hidden = new Set(s.background());
      for (const a of userProbes) s.journal({ action: 'attach', attachment: a });
      return s;
    },
    async stop(): Promise<CaptureStats | null> {
      const s = sink;
      if (!s) return null;
      sink = null;
      hidden = new Set();
      const stats = s.stats();
      await s.close();
      return stats;
    },
    journal(entry: JournalEntry) {
      // A probe the user attaches or detaches is theirs from then on.
      hidden.delete(entry.attachment.probe.name);
      sink?.journal(entry);
    },
    isBackground: (probe) => hidden.has(probe),
  };
}
