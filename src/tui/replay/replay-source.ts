import type { ReplayControl, ReplayNote } from '../../session/index.js';
import type { TraceEvent } from '../../event/index.js';
import { eventFromRow, type CaptureInfo, type CaptureReader } from '../../store/index.js';

/** A batch for the view; `reset` means the view starts over (a seek) before taking it. */
export type ReplayListener = (events: TraceEvent[], reset: boolean) => void;

/** Options of a replay source. */
export interface ReplaySourceOptions {
  /** Wall-clock ms now (tests inject their own). */
  nowMs?: () => number;
  /** Most time one tick may spend pulling events, so keys still echo at max speed. */
  tickBudgetMs?: number;
  /** Most events one tick hands to the view (the view keeps a bounded window anyway). */
  maxPerTick?: number;
  /** Events shown before the position after a seek, so the screen has context. */
  backfill?: number;
}

/** Speeds the + and - keys step through. */
export const SPEEDS = [1, 10, 100, Infinity] as const;

/**
 * The replay clock over a capture, and the lazy stream behind it. Events come
 * from `CaptureReader.events()` one at a time as the clock passes them (never
 * the whole capture); a seek drops the stream and restarts it at the new
 * time, and back-fills the screen with the few events just before it. The
 * live shell's model takes the batches through `onBatch`; a dashboard can
 * follow the same clock through `now()`, `speed()`, `playing()` and `subscribe`.
 */
export class ReplaySource implements ReplayControl {
  readonly info: CaptureInfo;
  /** Probes whose events the view shows (the capture's own process-table probe is left out, as live). */
  readonly probes: string[];
  /** Probes the capture attached for itself (its process table), from the journal's background flag. */
  readonly background: Set<string>;
  /** Set once the stream has reached the end of the capture. */
  ended = false;
  /** True when the last tick could not keep up with the speed (the clock follows the events instead). */
  behind = false;
  /** Events handed to the view since the last seek. */
  shown = 0;

  private pos: number;
  private speedX = 1;
  private play = false;
  private lastTickMs = 0;
  private it: Generator<TraceEvent> | null = null;
  private peeked: TraceEvent | null = null;
  private readonly listeners = new Set<ReplayListener>();
  private readonly watchers = new Set<() => void>();
  private version = 0;
  private readonly notesList: ReplayNote[];
  private readonly startNs: number;
  private readonly endNs: number;
  private readonly nowMs: () => number;
  private readonly budgetMs: number;
  private readonly maxPerTick: number;
  private readonly backfillN: number;
  private seekSerial = 0;

  constructor(readonly reader: CaptureReader, opts: ReplaySourceOptions = {}) {
    this.info = reader.info();
    this.nowMs = opts.nowMs ?? Date.now;
    this.budgetMs = opts.tickBudgetMs ?? 12;
    this.maxPerTick = opts.maxPerTick ?? 5000;
    this.backfillN = opts.backfill ?? 200;
    this.background = new Set(
      reader
        .journal()
        .filter((j) => j.background)
        .map((j) => String(j.probe)),
    );
    this.probes = reader.schema.probes.map((p) => p.name).filter((n) => !this.background.has(n));
    this.notesList = reader.notes().map((n, i) => ({ n: i + 1, ts: n.ts, text: n.text }));
    this.startNs = this.info.startNs;
    // An unclean capture has no end: its last commit (where the gap starts) is the last instant known.
    this.endNs = Math.max(this.startNs, this.info.endNs ?? this.info.gap?.startNs ?? this.info.startNs);
    this.pos = this.startNs;
    this.open(this.startNs);
  }

  // ---- subscriptions ----

  /** Takes the batches for the view. */
  onBatch(listener: ReplayListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called whenever the clock, speed or play state changed (useSyncExternalStore protocol). */
  subscribe = (watcher: () => void): (() => void) => {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  };

  /** Changes whenever anything the status line or timeline shows changed. */
  getVersion = (): number => this.version;

  /** Tells watchers that something they show changed (e.g. the timeline finished loading). */
  notify(): void {
    this.changed();
  }

  private changed(): void {
    this.version++;
    for (const w of this.watchers) w();
  }

  private emit(events: TraceEvent[], reset: boolean): void {
    this.shown = reset ? events.length : this.shown + events.length;
    if (events.length === 0 && !reset) return;
    for (const l of this.listeners) l(events, reset);
  }

  // ---- ReplayControl ----

  /** The replay position (capture monotonic ns). */
  now(): number {
    return this.pos;
  }

  /** Start and end of the capture, and its clock offset. */
  span(): { startNs: number; endNs: number; offsetNs: number } {
    return { startNs: this.startNs, endNs: this.endNs, offsetNs: this.info.clockOffsetNs };
  }

  /** Times real time, or Infinity. */
  speed(): number {
    return this.speedX;
  }

  /** Sets the speed (Infinity: as fast as possible). */
  setSpeed(speed: number): void {
    this.speedX = speed;
    this.changed();
  }

  /** The next or previous speed of SPEEDS. */
  bumpSpeed(dir: 1 | -1): void {
    const i = SPEEDS.findIndex((s) => s >= this.speedX);
    const cur = i < 0 ? SPEEDS.length - 1 : i;
    this.setSpeed(SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, SPEEDS[cur] === this.speedX ? cur + dir : dir > 0 ? cur : cur - 1))]!);
  }

  /** True while the clock runs. */
  playing(): boolean {
    return this.play;
  }

  /** Starts or stops the clock (playing at the end starts over from the start). */
  setPlaying(playing: boolean): void {
    if (playing && this.ended) {
      this.pos = this.startNs;
      this.open(this.startNs);
      this.emit([], true);
    }
    this.play = playing;
    this.lastTickMs = this.nowMs();
    this.behind = false;
    this.changed();
  }

  /** The notes, numbered from 1. */
  notes(): ReplayNote[] {
    return this.notesList;
  }

  /** The first note after the position (dir 1) or the last one before it (dir -1). */
  adjacentNote(dir: 1 | -1): ReplayNote | undefined {
    // A note we just jumped to sits at the position: skip it.
    return dir > 0 ? this.notesList.find((n) => n.ts > this.pos) : [...this.notesList].reverse().find((n) => n.ts < this.pos);
  }

  /** Shows the next `n` events and pauses. */
  step(n: number): number {
    this.play = false;
    const out: TraceEvent[] = [];
    while (out.length < n) {
      const e = this.peek();
      if (!e) break;
      out.push(this.take());
    }
    if (out.length) this.pos = Math.max(this.pos, out[out.length - 1]!.ts);
    if (!this.peek()) this.markEnded();
    this.emit(out, false);
    this.changed();
    return out.length;
  }

  /**
   * Moves to `ns`: the stream restarts there (the ts index makes that a
   * lookup, whatever the capture's size) and the view starts over with the
   * last few events before `ns`.
   */
  async seek(ns: number): Promise<void> {
    const target = Math.max(this.startNs, Math.min(this.endNs, Math.round(ns)));
    const serial = ++this.seekSerial;
    const before = await this.eventsBefore(target, this.backfillN);
    if (serial !== this.seekSerial) return; // a later seek won
    this.pos = target;
    this.ended = false;
    this.behind = false;
    this.open(target);
    this.lastTickMs = this.nowMs();
    if (!this.peek()) this.markEnded();
    this.emit(before, true);
    this.changed();
  }

  // ---- the clock ----

  /**
   * Advances the clock by the wall time since the last tick times the speed
   * and hands over every event it passed, within a time budget: at max speed
   * (or when the capture is denser than the budget) the clock follows the
   * last event shown instead.
   */
  tick(): TraceEvent[] {
    const nowMs = this.nowMs();
    const elapsed = Math.min(1000, Math.max(0, nowMs - this.lastTickMs)); // a stalled process does not leap ahead
    this.lastTickMs = nowMs;
    if (!this.play) return [];
    const target = Number.isFinite(this.speedX) ? this.pos + elapsed * 1e6 * this.speedX : Infinity;
    const out: TraceEvent[] = [];
    const t0 = performance.now();
    let cut = false;
    for (;;) {
      const e = this.peek();
      if (!e || e.ts > target) break;
      out.push(this.take());
      if (out.length >= this.maxPerTick || ((out.length & 255) === 0 && performance.now() - t0 > this.budgetMs)) {
        cut = true;
        break;
      }
    }
    const last = out.length ? out[out.length - 1]!.ts : this.pos;
    this.behind = cut && Number.isFinite(this.speedX);
    this.pos = Math.min(this.endNs, Math.max(this.pos, cut || !Number.isFinite(target) ? last : target));
    if (!this.peek()) this.markEnded();
    this.emit(out, false);
    this.changed();
    return out;
  }

  /** Ticks every `ms` until the returned function is called. */
  run(ms = 33): () => void {
    this.lastTickMs = this.nowMs();
    const t = setInterval(() => this.tick(), ms);
    return () => clearInterval(t);
  }

  /** Drops the stream (its statements and connections). */
  close(): void {
    this.it?.return(undefined);
    this.it = null;
    this.peeked = null;
  }

  private markEnded(): void {
    this.ended = true;
    if (this.play) this.pos = Math.max(this.pos, this.endNs);
    this.play = false;
  }

  private open(fromNs: number): void {
    this.close();
    this.it = this.reader.events({ probes: this.probes, fromNs });
  }

  private peek(): TraceEvent | null {
    if (!this.peeked && this.it) {
      const n = this.it.next();
      if (n.done) this.it = null;
      else this.peeked = n.value;
    }
    return this.peeked;
  }

  private take(): TraceEvent {
    const e = this.peeked!;
    this.peeked = null;
    return e;
  }

  /** The last `n` events before `ns`, oldest first: newest-first per table through the ts index, merged. */
  private async eventsBefore(ns: number, n: number): Promise<TraceEvent[]> {
    if (n <= 0) return [];
    const all: TraceEvent[] = [];
    for (const p of this.reader.schema.probes.filter((x) => this.probes.includes(x.name))) {
      const r = await this.reader.query(`SELECT * FROM "${p.table}" WHERE ts < ? ORDER BY ts DESC, id DESC LIMIT ?`, { params: [ns, n], maxRows: n, timeoutMs: 10_000 });
      for (const row of r.rows) {
        const o: Record<string, unknown> = {};
        r.columns.forEach((c, i) => (o[c] = row[i]));
        all.push(eventFromRow(p, o));
      }
    }
    all.sort((a, b) => a.ts - b.ts);
    return all.slice(-n);
  }
}
