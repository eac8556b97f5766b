import type { TraceEvent } from '../../event/index.js';
import type { CaptureReader } from '../../store/index.js';
import { LOSS_ROWS_SQL, coverageFromJournal } from './capture-feed.js';
import { DashboardModel } from './dashboard-model.js';
import type { DashboardFeed } from './dashboard-switch.js';

/** The part of the replay source the dashboard follows. */
export interface ReplayClock {
  now(): number;
  onBatch(listener: (events: TraceEvent[], reset: boolean) => void): () => void;
}

/**
 * A dashboard that follows the replay clock: events as they are played,
 * losses as the clock passes them, coverage from the journal. A seek starts
 * the model over from the new position.
 */
export class ReplayDashboardFeed implements DashboardFeed {
  private current = new DashboardModel();
  private losses: { probe: string; start: number; count: number }[] = [];
  private nextLoss = 0;
  private readonly unsubscribe: () => void;
  private readonly coverage;

  constructor(
    private readonly clock: ReplayClock,
    reader: CaptureReader,
    background: (probe: string) => boolean,
  ) {
    const info = reader.info();
    this.coverage = coverageFromJournal(reader.journal(), info.endNs ?? info.gap?.startNs ?? null).filter((c) => !background(c.probe));
    this.current.setCoverage(this.coverage);
    void reader
      .query(LOSS_ROWS_SQL, { maxRows: 1_000_000 })
      .then((r) => (this.losses = r.rows.map(([probe, start, count]) => ({ probe: String(probe), start: start as number, count: count as number }))))
      .catch(() => undefined);
    this.unsubscribe = clock.onBatch((events, reset) => {
      if (reset) this.restart();
      const shown = events.filter((e) => !background(e.probe));
      if (shown.length) this.current.add(shown);
    });
  }

  model(): DashboardModel {
    return this.current;
  }

  tick(): void {
    const now = this.clock.now();
    while (this.nextLoss < this.losses.length && this.losses[this.nextLoss]!.start <= now) {
      const l = this.losses[this.nextLoss++]!;
      this.current.addLoss(l.probe, l.count, l.start);
    }
    this.current.advanceTo(now);
  }

  /** Stops following the replay. */
  dispose(): void {
    this.unsubscribe();
  }

  private restart(): void {
    const { focus, grouping } = this.current; // what the responder chose survives a seek
    this.current = new DashboardModel();
    this.current.focus = focus;
    this.current.grouping = grouping;
    this.current.setCoverage(this.coverage);
    this.nextLoss = 0;
    const now = this.clock.now();
    while (this.nextLoss < this.losses.length && this.losses[this.nextLoss]!.start < now) this.nextLoss++;
  }
}
