import { SessionError } from './errors.js';
import type { FlightRing } from './flight-ring.js';
import type { CaptureControl, CaptureFactory, CaptureOpenInfo, CaptureSink, CaptureStats, JournalEntry, ShellEngine, StartOptions } from './types.js';

/** Why `-w`, `:record`, `:mark` and `:query` do nothing in a build without the store. */
export const NO_STORE = 'recording is not available in this build (the capture store is not wired into the shell); use ebpfsh record -w FILE';

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

function minutesOf(ns: number): string {
  const m = ns / 60e9;
  return Number.isInteger(m) ? `${m}m` : `${Math.round(ns / 1e9)}s`;
}

/**
 * The shell's one recording slot. The capture takes every event the engine
 * delivers (independent of the view filter and pause), and starts with a
 * journal entry per probe already attached. With a flight ring it can begin
 * minutes in the past (`start(path, { sinceNs })`, `save`): the ring keeps
 * the shell's attach history for that, fed by `journal`.
 */
export function createCaptureControl(engine: ShellEngine, factory: CaptureFactory | null, argv: string[] = ['ebpfsh', ...process.argv.slice(2)], ring: FlightRing | null = null): CaptureControl {
  let sink: CaptureSink | null = null;
  let hidden = new Set<string>();

  /** The look-back of a capture starting now, checked before anything is opened. */
  function lookBackOf(sinceNs: number | undefined): CaptureOpenInfo['lookBack'] {
    if (sinceNs === undefined) return undefined;
    if (!ring) throw new SessionError('--since needs the shell\'s ring, which this shell does not keep');
    if (sinceNs !== Infinity && sinceNs > ring.limits.maxNs)
      throw new SessionError(`the ring keeps ${minutesOf(ring.limits.maxNs)} (EBPFSH_RING_MINUTES): use --since ${minutesOf(ring.limits.maxNs)} or less, or --since all`);
    const r = ring;
    const startNs = Math.max(r.startNs, sinceNs === Infinity ? -Infinity : monoNs() - sinceNs, monoNs() - r.limits.maxNs);
    return {
      startNs,
      take() {
        // The engine's losses up to this very tick belong to the look-back; the capture's own ledger counts from here.
        r.sampleLosses(engine.counters());
        return r.snapshot(startNs);
      },
    };
  }

  async function open(path: string, opts: StartOptions): Promise<CaptureSink> {
    if (!factory) throw new SessionError(NO_STORE);
    const lookBack = lookBackOf(opts.sinceNs);
    return factory.open(path, { argv, engine, lookBack, collectBinaries: opts.collectBinaries, signKey: opts.signKey });
  }

  return {
    unavailable: () => (factory ? null : NO_STORE),
    current: () => sink,
    ring: () => ring,
    lookBack: () => sink?.lookBack() ?? null,
    async start(path, opts = {}) {
      if (!factory) throw new SessionError(NO_STORE);
      if (sink) throw new SessionError(`already recording to ${sink.path} (stop first)`);
      const userProbes = engine.attachments();
      const s = await open(path, opts);
      sink = s;
      hidden = new Set(s.background());
      for (const a of userProbes) s.journal({ action: 'attach', attachment: a });
      return s;
    },
    async save(path, sinceNs, mark) {
      if (!factory) throw new SessionError(NO_STORE);
      if (sink) throw new SessionError(`already recording to ${sink.path}: the mark goes there (mark "text" without --save, or stop first)`);
      const userProbes = engine.attachments();
      const s = await open(path, { sinceNs });
      try {
        for (const a of userProbes) s.journal({ action: 'attach', attachment: a });
        s.mark(mark, Date.now());
        const stats: CaptureStats = s.stats();
        const lookBack = s.lookBack();
        await s.close();
        return { ...stats, ...s.stats(), lookBack };
      } catch (e) {
        await s.close();
        throw e;
      }
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
      ring?.journal(entry);
      sink?.journal(entry);
    },
    isBackground: (probe) => hidden.has(probe),
  };
}
