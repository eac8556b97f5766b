import type { TraceEvent } from '../../event/index.js';
import type { EventWindow } from './event-window.js';

/**
 * Events on their way into the view: batches wait here and reach the window
 * at most once per `flushMs` (the render rate does not follow the event rate),
 * what waits is bounded by the window's capacity, and a paused view only
 * counts what it is not showing.
 */
export class EventIntake {
  /** Events that arrived while paused (the status line's "+N new"). */
  pausedNew = 0;
  private pending: TraceEvent[][] = [];
  private pendingCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private pausedFlag = false;

  constructor(
    private readonly window: EventWindow,
    private readonly flushMs: number,
    /** Called when what the view shows changed. */
    private readonly changed: () => void,
  ) {}

  /** Queues a batch for the next flush; the oldest waiting batches go when more than a window's worth waits. */
  take(events: TraceEvent[]): void {
    if (events.length === 0) return;
    this.pending.push(events);
    this.pendingCount += events.length;
    while (this.pending.length > 1 && this.pendingCount - this.pending[0]!.length >= this.window.capacity) {
      this.pendingCount -= this.pending.shift()!.length;
    }
    if (this.pausedFlag) this.pausedNew += events.length;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, this.lastFlush + this.flushMs - Date.now()));
  }

  /** Moves waiting events into the window (paused: only the count of new events moves). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastFlush = Date.now();
    if (this.pausedFlag) return this.changed();
    if (this.pending.length === 0) return;
    for (const b of this.pending) this.window.push(b);
    this.drop();
    this.changed();
  }

  /** Every event held: the window, then what waits for the next flush (or for resume). */
  *held(): Generator<TraceEvent> {
    const rows = this.window.allRows();
    for (let i = 0; i < rows.length; i++) yield rows.at(i)!.event;
    for (const b of this.pending) yield* b;
  }

  /** Freezes or unfreezes the view; unfreezing shows what waited. */
  setPaused(paused: boolean): void {
    this.pausedFlag = paused;
    if (!paused) {
      this.pausedNew = 0;
      this.flush();
    }
  }

  /** True while the view is frozen. */
  paused(): boolean {
    return this.pausedFlag;
  }

  /** Forgets what waits (the window is cleared by its owner). */
  drop(): void {
    this.pending = [];
    this.pendingCount = 0;
  }

  /** Drops the pending timer. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
