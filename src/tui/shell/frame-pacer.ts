/**
 * Paces the shell's frames from a budget of `perSecond` frames a second,
 * holding at most RESERVE + 1 at once. What the responder did (a key, a
 * command's outcome) is shown at once while the budget holds one frame; new
 * events are shown only from a full budget, so they leave RESERVE frames for
 * the next keys. Under a storm the table updates `perSecond` times a second,
 * a key never queues behind an event frame the budget had to wait for, and
 * the frames of any second stay within `perSecond + RESERVE + 1`.
 * Requests within one tick make one frame (one notification).
 */
export class FramePacer {
  private tokens: number;
  private at: number;
  private timer: NodeJS.Timeout | null = null;
  private queued = false;
  private urgentWaiting = false;
  private eventsWaiting = false;

  constructor(
    private readonly perSecond: number,
    /** Shows the latest state (one frame). */
    private readonly notify: () => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.at = this.now();
    this.tokens = RESERVE + 1;
  }

  /** Asks for a frame: `urgent` for what the responder did, otherwise (new events, counters) when the budget is full. */
  request(urgent: boolean): void {
    if (this.queued) return; // this tick's frame shows it too
    if (urgent) this.urgentWaiting = true;
    else this.eventsWaiting = true;
    this.pump();
  }

  /** Drops the pending timer. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(RESERVE + 1, this.tokens + ((t - this.at) * this.perSecond) / 1000);
    this.at = t;
  }

  private pump(): void {
    this.refill();
    const need = this.urgentWaiting ? 1 : this.eventsWaiting ? RESERVE + 1 : 0;
    if (need === 0) return;
    if (this.tokens >= need - 1e-9) {
      this.tokens -= 1;
      this.urgentWaiting = this.eventsWaiting = false;
      this.queued = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      queueMicrotask(() => {
        this.queued = false;
        this.notify();
      });
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.ceil(((need - this.tokens) * 1000) / this.perSecond);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
  }
}

/** Frames of the budget that new events leave for the responder's keys (an Enter's echo, then the command's outcome). */
export const RESERVE = 2;
