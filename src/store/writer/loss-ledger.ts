import type { EventSource, ReaderHealth } from '../../event/index.js';
import type { SqlOp } from './writer-protocol.js';

const INSERT_LOSS = 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (?, ?, ?, ?, ?)';
const INSERT_SESSION_LOSS = 'INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (NULL, ?, ?, ?, ?)';
const INSERT_ERROR = "INSERT INTO journal (ts, action, detail) VALUES (?, 'error', ?)";

/**
 * The capture's loss rows, one per probe and cause per interval: the source's
 * counters as deltas from a baseline taken at the recording's start (a
 * recording started mid-session counts only its own losses), plus the rows
 * the writer itself dropped; and journal rows for reader failures that lost
 * no known event. Every loss is counted, none twice.
 */
export class LossLedger {
  private prev: Map<string, Record<string, number>>;
  private sessionPrev: Record<string, number>;
  private healthPrev: ReaderHealth | undefined;
  private readonly dropped = new Map<string, number>();
  private since: number;

  constructor(
    private readonly source: EventSource | undefined,
    startNs: number,
  ) {
    this.since = startNs;
    this.prev = new Map((source?.counters() ?? []).map((c) => [c.probe, { ...c.losses }]));
    this.sessionPrev = { ...(source?.sessionLosses() ?? {}) };
    this.healthPrev = source?.readerHealth();
  }

  /** Counts `n` events of `probe` the writer dropped (queue full, too late, writer failed). */
  drop(probe: string, n: number): void {
    this.dropped.set(probe, (this.dropped.get(probe) ?? 0) + n);
  }

  /** The loss and error rows since the last poll, up to `now`; `diskFull` names the writer's drops disk_full. */
  poll(now: number, diskFull: boolean): SqlOp[] {
    const ops: SqlOp[] = [];
    if (this.source) {
      const counters = this.source.counters();
      for (const c of counters) {
        const prev = this.prev.get(c.probe);
        for (const [cause, n] of Object.entries(c.losses)) {
          const d = n - (prev?.[cause] ?? 0);
          if (d > 0) ops.push({ sql: INSERT_LOSS, p: [c.probe, cause, this.since, now, d] });
        }
      }
      this.prev = new Map(counters.map((c) => [c.probe, { ...c.losses }]));
      // Losses whose probe cannot be known (a bad frame): probe NULL.
      const session = this.source.sessionLosses();
      for (const [cause, n] of Object.entries(session)) {
        const d = n - (this.sessionPrev[cause] ?? 0);
        if (d > 0) ops.push({ sql: INSERT_SESSION_LOSS, p: [cause, this.since, now, d] });
      }
      this.sessionPrev = { ...session };
      ops.push(...this.health(now));
    }
    for (const [p, n] of this.dropped) {
      if (n > 0) ops.push({ sql: INSERT_LOSS, p: [p, diskFull ? 'disk_full' : 'writer', this.since, now, n] });
    }
    this.dropped.clear();
    this.since = now;
    return ops;
  }

  /** Journal rows for reader failures that lost no known event (poll errors, listener errors) since the last poll. */
  private health(now: number): SqlOp[] {
    const h = this.source!.readerHealth();
    const prev = this.healthPrev;
    this.healthPrev = h;
    const ops: SqlOp[] = [];
    const polls = h.pollErrors - (prev?.pollErrors ?? 0);
    if (polls > 0) ops.push({ sql: INSERT_ERROR, p: [now, `ring buffer poll failed ${polls} times (last errno ${h.lastPollErrno})`] });
    const listeners = h.listenerErrors - (prev?.listenerErrors ?? 0);
    if (listeners > 0) ops.push({ sql: INSERT_ERROR, p: [now, `an event consumer failed ${listeners} times (last: ${h.lastListenerError}); its events are counted as listener_error`] });
    return ops;
  }
}
