import type { TraceEvent } from '../../event/index.js';

/** An event in the view, numbered in arrival order (seq survives the window rolling). */
export interface Row {
  seq: number;
  event: TraceEvent;
  /** The rendered (escaped) line, computed once when first shown or searched. */
  text?: string;
  /** The display zone `text` was rendered in (:set tz renders it again). */
  textZone?: object;
  /** The line in a narrow terminal's layout (`narrowColumns`), in zone `narrowZone`: kept while the row stays in sight. */
  narrowText?: string;
  narrowColumns?: object;
  narrowZone?: object;
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
 * while a view filter or a noise fold is set, the last `capacity` on show
 * (so a rare match is not pushed out by a storm of others). Folded events
 * stay in `all` (the detail pane's recent events) and are counted.
 */
export class EventWindow {
  private readonly all: Ring;
  private shown: Ring | null = null;
  private match: ((e: TraceEvent) => boolean) | null = null;
  private fold: ((e: TraceEvent) => boolean) | null = null;
  private foldedCount = 0;
  private seq = 0;

  constructor(readonly capacity = 5000) {
    this.all = new Ring(capacity);
  }

  /** Appends a batch (only its last `capacity` events can stay; folded ones are counted all the same). */
  push(events: readonly TraceEvent[]): void {
    const from = Math.max(0, events.length - this.capacity);
    if (this.fold) for (let i = 0; i < from; i++) if (this.fold(events[i]!)) this.foldedCount++;
    this.seq += from;
    for (let i = from; i < events.length; i++) {
      const row: Row = { seq: ++this.seq, event: events[i]! };
      this.all.push(row);
      if (this.shown && this.onShow(row.event)) this.shown.push(row);
    }
  }

  /** Sets the view filter and rebuilds the rows on show from what is in memory. */
  setFilter(match: ((e: TraceEvent) => boolean) | null): void {
    this.match = match;
    this.rebuild(false);
  }

  /** Folds (hides and counts) the events `fold` picks from the view, or stops folding (null); the count starts over. */
  setFold(fold: ((e: TraceEvent) => boolean) | null): void {
    this.fold = fold;
    this.foldedCount = 0;
    this.rebuild(true);
  }

  /** True while a fold is set. */
  get folding(): boolean {
    return this.fold !== null;
  }

  /** Events folded since the fold was set (those in memory then included). */
  get folded(): number {
    return this.foldedCount;
  }

  /** True for an event on show; counts it when folded (called once per event arriving, or per row on a rebuild). */
  private onShow(e: TraceEvent): boolean {
    if (this.fold?.(e)) {
      this.foldedCount++;
      return false;
    }
    return !this.match || this.match(e);
  }

  private rebuild(countFolded: boolean): void {
    if (!this.match && !this.fold) {
      this.shown = null;
      return;
    }
    const counted = this.foldedCount;
    this.shown = new Ring(this.capacity);
    for (let i = 0; i < this.all.length; i++) {
      const r = this.all.at(i)!;
      if (this.onShow(r.event)) this.shown.push(r);
    }
    if (!countFolded) this.foldedCount = counted;
  }

  /** The rows on show: the matching, unfolded ones under a filter or fold, else all. */
  rows(): Ring {
    return this.shown ?? this.all;
  }

  /** Every row in memory, filtered or not (for the detail pane's recent events). */
  allRows(): Ring {
    return this.all;
  }

  clear(): void {
    this.all.clear();
    this.shown?.clear();
  }

  /** Events ever pushed. */
  get total(): number {
    return this.seq;
  }
}
