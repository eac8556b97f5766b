/**
 * Paces the shell's frames from a budget of `perSecond` frames a second,
 * holding at most RESERVE + 1 at once. What the responder did (a key, a
 * command's outcome) is shown at once while the budget holds one frame; new
 * events are shown only from a full budget, so they leave RESERVE frames for
 * the next keys. Under a storm the table updates `perSecond` times a second,
 * a key never queues behind an event frame the budget had to wait for, and
 * the frames of any second stay within `perSecond + RESERVE + 1`. While
 * keys come, new events also wait QUIET frame intervals after the last key's
 * frame (the CPU goes to the keys; at most HOLD intervals without an event frame).
 * Requests within one tick make one frame (one notification).
 */
export class FramePacer {
  private tokens: number;
  private at: number;
  private timer: NodeJS.Timeout | null = null;
  private queued = false;
  private urgentWaiting = false;
  private eventsWaiting = false;
  private lastUrgent = -Infinity;
  private lastEvents = -Infinity;

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
    // events, while keys come: after a quiet moment, or at the latest HOLD intervals after the last event frame
    const interval = 1000 / this.perSecond;
    const eventsAt = this.urgentWaiting ? -Infinity : Math.min(this.lastUrgent + QUIET * interval, this.lastEvents + HOLD * interval);
    if (this.tokens >= need - 1e-9 && this.at >= eventsAt) {
      this.tokens -= 1;
      if (this.urgentWaiting) this.lastUrgent = this.at;
      else this.lastEvents = this.at;
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
    const wait = Math.max(1, Math.ceil(((need - this.tokens) * 1000) / this.perSecond), Math.ceil(eventsAt - this.at));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
  }
}

/** Frames of the budget that new events leave for the responder's keys (an Enter's echo, then the command's outcome). */
export const RESERVE = 2;

/** Frame intervals new events wait after a key's frame (at 25 frames/s, 80 ms: typing ~10 keys/s, the table updates between the keys). */
export const QUIET = 2;

/** The most frame intervals new events wait while keys keep coming (a held arrow key): 240 ms at 25 frames/s. */
export const HOLD = 6;
