import type { TraceEvent } from '../../event/index.js';

/** An event in the view, numbered in arrival order (seq survives the window rolling). */
export interface Row {
  seq: number;
  event: TraceEvent;
  /** The rendered (escaped) line, computed once when first shown or searched. */
  text?: string;
  /** The display zone `text` was rendered in (:set tz renders it again). */
  textZone?: object;
}

/** A fixed-capacity ring of rows, oldest first. */
export class Ring {
  private buf: (Row | undefined)[];
  private start = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<Row | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Row `i` (0 = oldest). */
  at(i: number): Row | undefined {
    if (i < 0 || i >= this.size) return undefined;
    return this.buf[(this.start + i) % this.capacity];
  }

  push(row: Row): void {
    if (this.size < this.capacity) {
      this.buf[(this.start + this.size) % this.capacity] = row;
      this.size++;
    } else {
      this.buf[this.start] = row;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  clear(): void {
    this.buf = new Array<Row | undefined>(this.capacity);
    this.start = 0;
    this.size = 0;
  }

  /** Index of the first row whose seq is >= `seq` (length when none): seqs only grow. */
  indexOfSeq(seq: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid)!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The view's bounded memory: the last `capacity` events that arrived, and,
 * while a view filter is set, the last `capacity` that match it (so a rare
 * match is not pushed out by a storm of others).
 */
export class EventWindow {
  private readonly all: Ring;
  private matched: Ring | null = null;
  private match: ((e: TraceEvent) => boolean) | null = null;
  private seq = 0;

  constructor(readonly capacity = 5000) {
    this.all = new Ring(capacity);
  }

  /** Appends a batch (only its last `capacity` events can stay). */
  push(events: readonly TraceEvent[]): void {
    const from = Math.max(0, events.length - this.capacity);
    this.seq += from;
    for (let i = from; i < events.length; i++) {
      const row: Row = { seq: ++this.seq, event: events[i]! };
      this.all.push(row);
      if (this.matched && this.match!(row.event)) this.matched.push(row);
    }
  }

  /** Sets the view filter and rebuilds the matching rows from what is in memory. */
  setFilter(match: ((e: TraceEvent) => boolean) | null): void {
    this.match = match;
    if (!match) {
      this.matched = null;
      return;
    }
    this.matched = new Ring(this.capacity);
    for (let i = 0; i < this.all.length; i++) {
      const r = this.all.at(i)!;
      if (match(r.event)) this.matched.push(r);
    }
  }

  /** The rows on show: the matching ones under a filter, else all. */
  rows(): Ring {
    return this.matched ?? this.all;
  }

  /** Every row in memory, filtered or not (for the detail pane's recent events). */
  allRows(): Ring {
    return this.all;
  }

  clear(): void {
    this.all.clear();
    this.matched?.clear();
  }

  /** Events ever pushed. */
  get total(): number {
    return this.seq;
  }
}
