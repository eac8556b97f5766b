import type { EventWindow, Row } from './event-window.js';

/** What the events pane shows for a given height. */
export interface Viewport {
  rows: Row[];
  selectedSeq: number | null;
  total: number;
  /** Index of the first row shown. */
  first: number;
}

/**
 * Which rows of the window the events pane shows: following the newest, or
 * scrolled with a selection. Positions are row seqs, so they hold while the
 * window rolls; keys move them and keepInView pins them, view() only reads.
 */
export class EventScroll {
  /** True while the pane follows the newest event. */
  follow = true;
  /** Rows of the events pane (the UI says so after a render). */
  pageRows = 20;
  private selSeq = 0;
  private topSeq = 0;

  constructor(private readonly window: EventWindow) {}

  /** Index of the selected row in the rows on show (the newest while following). */
  selectedIndex(): number {
    const rows = this.window.rows();
    return this.follow ? rows.length - 1 : Math.min(rows.indexOfSeq(this.selSeq), rows.length - 1);
  }

  /** Moves the selection `delta` rows; leaving follow selects the newest first, reaching the newest follows again. */
  move(delta: number): void {
    const rows = this.window.rows();
    if (rows.length === 0) return;
    const cur = this.selectedIndex();
    const next = this.follow ? (delta < 0 ? cur + delta + 1 : cur) : cur + delta;
    if (!this.follow && delta > 0 && next >= rows.length - 1) {
      this.follow = true;
      return;
    }
    if (this.follow && delta > 0) return;
    this.follow = false;
    this.selSeq = rows.at(Math.max(0, Math.min(rows.length - 1, next)))!.seq;
  }

  /** A page up or down. */
  page(d: number): void {
    this.move(d * Math.max(1, this.pageRows - 1));
  }

  /** Selects the oldest row. */
  selectFirst(): void {
    const rows = this.window.rows();
    if (!rows.length) return;
    this.select(rows.at(0)!.seq);
  }

  /** Selects the row with this seq (scrolling). */
  select(seq: number): void {
    this.follow = false;
    this.selSeq = seq;
  }

  /** Sets the page height. */
  setPageRows(rows: number): void {
    this.pageRows = rows;
    this.keepInView();
  }

  /**
   * Pins the selection and the first row shown to rows that exist, with the
   * selection inside a page: done where they move (keys, filter, page size),
   * so that view() only reads.
   */
  keepInView(): void {
    const rows = this.window.rows();
    const n = rows.length;
    if (this.follow || n === 0) return;
    const h = Math.max(1, this.pageRows);
    const sel = Math.min(rows.indexOfSeq(this.selSeq), n - 1);
    const first = this.firstShown(sel, h);
    this.selSeq = rows.at(sel)!.seq;
    this.topSeq = rows.at(first)!.seq;
  }

  /** The rows for a pane `height` rows tall, keeping the selection in sight; reads only (a render calls it). */
  view(height: number): Viewport {
    const rows = this.window.rows();
    const n = rows.length;
    const h = Math.max(1, height);
    let first: number;
    let sel: number | null = null;
    if (this.follow || n === 0) {
      first = Math.max(0, n - h);
    } else {
      sel = Math.min(rows.indexOfSeq(this.selSeq), n - 1);
      first = this.firstShown(sel, h);
    }
    const out: Row[] = [];
    for (let i = first; i < Math.min(n, first + h); i++) out.push(rows.at(i)!);
    return { rows: out, selectedSeq: sel === null ? null : rows.at(sel)!.seq, total: n, first };
  }

  private firstShown(sel: number, h: number): number {
    const rows = this.window.rows();
    const n = rows.length;
    let first = Math.min(rows.indexOfSeq(this.topSeq), n - 1);
    if (sel < first) first = sel;
    if (sel >= first + h) first = sel - h + 1;
    return Math.max(0, Math.min(first, n - h));
  }
}
