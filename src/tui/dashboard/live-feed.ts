import { lostTotal, monotonicNs } from '../../engine/index.js';
import type { ShellEngine } from '../../session/index.js';
import type { ByteString, TraceEvent } from '../../event/index.js';
import { DashboardModel, type Coverage } from './dashboard-model.js';

/**
 * Keeps a dashboard model current from a live engine: per-second rates of
 * every event always (so the chart shows the recent past), the rankings,
 * connections and files only while the dashboard is shown (backfilled from
 * the shell's event window when it opens: the shell stays light under a
 * storm), loss counter deltas and coverage from attach/detach.
 */
export class LiveDashboardFeed {
  readonly model: DashboardModel;
  private readonly unsubscribe: () => void;
  private readonly lost = new Map<string, number>();
  private readonly open = new Map<string, number>();
  private closed: Coverage[] = [];
  private shown = false;

  constructor(
    private readonly engine: ShellEngine,
    /** Probes only a capture wanted (the process table): not shown. */
    private readonly isBackground: (probe: string) => boolean = () => false,
    /** A process's command when the dashboard saw no event of it (a forking loop's parent): the shell's process book. */
    nameOf?: (pid: number) => ByteString | undefined,
  ) {
    this.model = new DashboardModel(1e9, nameOf);
    this.unsubscribe = engine.onEvents((events) => {
      const mine = events.filter((e) => !this.isBackground(e.probe));
      if (!mine.length) return;
      this.model.addRates(mine);
      if (this.shown) this.model.addDetail(mine);
    });
  }

  /** The dashboard opens: rank what the shell still holds, then every event as it comes. */
  show(recent: Iterable<TraceEvent>): void {
    if (this.shown) return;
    this.shown = true;
    this.model.addDetail([...recent].filter((e) => !this.isBackground(e.probe)));
  }

  /** The dashboard closed: back to counting rates only. */
  hide(): void {
    this.shown = false;
  }

  /** Folds in loss deltas and coverage changes, and moves the window to now. */
  tick(): void {
    const now = monotonicNs();
    for (const c of this.engine.counters()) {
      if (this.isBackground(c.probe)) continue;
      const total = lostTotal(c.losses); // degraded deliveries (string_fault, truncated) are events, not losses
      const prev = this.lost.get(c.probe) ?? 0;
      if (total > prev) this.model.addLoss(c.probe, total - prev, now);
      this.lost.set(c.probe, total);
    }
    const attached = new Set<string>();
    for (const a of this.engine.attachments()) {
      if (this.isBackground(a.probe.name)) continue;
      attached.add(a.probe.name);
      if (!this.open.has(a.probe.name)) this.open.set(a.probe.name, a.attachedAt * 1e6 - this.engine.clock.offsetNs);
    }
    for (const [probe, from] of this.open) {
      if (attached.has(probe)) continue;
      this.closed.push({ probe, fromNs: from, toNs: now });
      this.open.delete(probe);
    }
    this.closed = this.closed.filter((c) => c.toNs === null || now - c.toNs < 10 * 60e9);
    this.model.setCoverage([...this.closed, ...[...this.open].map(([probe, fromNs]) => ({ probe, fromNs, toNs: null }))]);
    this.model.advanceTo(now);
  }

  /** Stops listening to the engine. */
  dispose(): void {
    this.unsubscribe();
  }
}
