import type { Key } from 'ink';
import { formatEventLine } from '../commands/event-format.js';
import {
  SHELL_COMMANDS,
  completeLine,
  runCommandLine,
  splitCommandLine,
  type CommandOutcome,
  type ShellCommand,
  type ShellContext,
  type ViewControl,
  type ViewFilter,
} from '../commands/shell/index.js';
import {
  ProcessBook,
  SeenValues,
  appendHistory,
  createCaptureControl,
  type CaptureFactory,
  type CaptureStats,
  type HistoryFile,
  type ShellEngine,
} from '../session/index.js';
import { degradedTotal, lostTotal } from '../engine/losses.js';
import type { ReaderHealth } from '../engine/session.js';
import { type TraceEvent } from '../event/index.js';
import { escapeTerminal } from '../text/index.js';
import { detailLines } from './detail-lines.js';
import { EventWindow, type Ring, type Row } from './event-window.js';
import { EMPTY_LINE, backspace, deleteWord, insert, lineOf, move, type LineState } from './line-editor.js';

/** Where typing goes: the event pane, a `:` command, or a `/` search. */
export type Mode = 'events' | 'command' | 'search';

/** What the main pane shows. */
export type Pane =
  | { kind: 'events' }
  | { kind: 'detail'; title: string; lines: string[]; scroll: number }
  | { kind: 'pager'; title: string; lines: string[]; scroll: number };

/** A line of command output under the event pane. */
export interface TranscriptLine {
  text: string;
  tone: 'echo' | 'info' | 'error';
}

/** Per-probe figures for the status line. */
export interface ProbeStatus {
  name: string;
  filters: string;
  rate: number;
  /** Events lost (never delivered). */
  lost: number;
  /** Events delivered degraded (string_fault, truncated): shown apart, never as lost. */
  degraded: number;
  /** True when a loss counter moved in the last few seconds. */
  lossMoving: boolean;
}

/** What the events pane shows for a given height. */
export interface Viewport {
  rows: Row[];
  selectedSeq: number | null;
  total: number;
  /** Index of the first row shown. */
  first: number;
}

/** Inputs of a shell model. */
export interface ShellModelOptions {
  engine: ShellEngine;
  captureFactory?: CaptureFactory | null;
  historyFile?: HistoryFile | null;
  history?: string[];
  commands?: readonly ShellCommand[];
  procRoot?: string;
  /** Events kept in memory for the view. */
  windowSize?: number;
  /** Least time between two batches of events reaching the view. */
  flushMs?: number;
}

const TRANSCRIPT_KEEP = 200;
const LOSS_HOT_MS = 5000;

/**
 * The shell's view state and key handling, without React: the bounded event
 * window, follow/scroll/selection, panes, the command line with history and
 * completion, and the command queue. Components render its snapshot.
 */
export class ShellModel implements ViewControl {
  readonly ctx: ShellContext;
  readonly window: EventWindow;
  mode: Mode = 'events';
  line: LineState = EMPTY_LINE;
  pane: Pane = { kind: 'events' };
  follow = true;
  transcript: TranscriptLine[] = [];
  choices: string[] = [];
  running: string | null = null;
  pausedNew = 0;
  captureStats: CaptureStats | null = null;
  /** Rows of the event pane, set by the UI from the terminal size (setPageRows). */
  pageRows = 20;
  /** Called once when the user asks to leave (`:quit`, Ctrl-C). */
  onQuit: (reason: string) => void = () => {};
  /** Called on `:dash`; null where the UI has no dashboard (e.g. ink tests). */
  onDashboard: (() => void) | null = null;

  private version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly history: string[];
  private readonly historyFile: HistoryFile | null;
  private histPos: number | null = null;
  private draft = '';
  private selSeq = 0;
  private topSeq = 0;
  private pending: TraceEvent[][] = [];
  private pendingCount = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private readonly flushMs: number;
  private pausedFlag = false;
  private viewFilter: ViewFilter | null = null;
  private lastSearch = '';
  private queue: string[] = [];
  private quitting = false;
  private lastCounts = new Map<string, { at: number; events: number; lost: number; degraded: number; movedAt: number; rate: number }>();
  private lastHealth: ReaderHealth | undefined;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: ShellModelOptions) {
    this.window = new EventWindow(opts.windowSize ?? 5000);
    this.flushMs = opts.flushMs ?? 33;
    this.history = [...(opts.history ?? [])];
    this.historyFile = opts.historyFile ?? null;
    this.ctx = {
      engine: opts.engine,
      view: this,
      processes: new ProcessBook(opts.procRoot),
      seen: new SeenValues(),
      capture: createCaptureControl(opts.engine, opts.captureFactory ?? null),
      commands: opts.commands ?? SHELL_COMMANDS,
    };
    this.unsubscribe = opts.engine.onEvents((events) => this.ingest(events));
  }

  // ---- store protocol (useSyncExternalStore) ----

  /** Subscribes to changes; returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever anything shown changed. */
  getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Stops listening to the engine and drops pending timers. */
  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  // ---- events in ----

  /**
   * Takes a batch from the engine. Process and completion indexes see every
   * event; the window is fed at most once per flushMs, so the render rate does
   * not follow the event rate, and what waits is bounded by the window size.
   */
  ingest(events: TraceEvent[]): void {
    this.ctx.processes.note(events);
    // Completion needs recent values, not every one: a sample of a big batch will do.
    this.ctx.seen.note(events.length > 64 ? events.filter((_, i) => i % Math.ceil(events.length / 64) === 0) : events);
    // Probes the capture attached for itself feed the process book, not the view.
    if (this.ctx.capture.current()) events = events.filter((e) => !this.ctx.capture.isBackground(e.probe));
    if (events.length === 0) return;
    this.pending.push(events);
    this.pendingCount += events.length;
    while (this.pending.length > 1 && this.pendingCount - this.pending[0]!.length >= this.window.capacity) {
      this.pendingCount -= this.pending.shift()!.length;
    }
    if (this.pausedFlag) this.pausedNew += events.length;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const wait = Math.max(0, this.lastFlush + this.flushMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /** Every event the shell holds: the window, then what waits for the next flush (or for :resume). */
  *heldEvents(): Generator<TraceEvent> {
    const rows = this.window.allRows();
    for (let i = 0; i < rows.length; i++) yield rows.at(i)!.event;
    for (const b of this.pending) yield* b;
  }

  /** Moves pending events into the window (also used by tests). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.lastFlush = Date.now();
    if (this.pausedFlag) return this.changed(); // only the status line's count of new events moves
    if (this.pending.length === 0) return;
    for (const b of this.pending) this.window.push(b);
    this.pending = [];
    this.pendingCount = 0;
    this.changed();
  }

  /** Samples engine counters (once a second): events/s and loss movement per probe. */
  sampleCounters(now = Date.now()): void {
    for (const c of this.opts.engine.counters()) {
      const lost = lostTotal(c.losses);
      const prev = this.lastCounts.get(c.probe);
      const dt = prev ? now - prev.at : 0;
      const rate = prev && dt > 0 ? ((c.events - prev.events) * 1000) / dt : 0;
      const movedAt = prev ? (lost > prev.lost ? now : prev.movedAt) : lost > 0 ? now : 0;
      this.lastCounts.set(c.probe, { at: now, events: c.events, lost, degraded: degradedTotal(c.losses), movedAt, rate });
    }
    this.noteReaderHealth();
    this.captureStats = this.ctx.capture.current()?.stats() ?? null;
    this.changed();
  }

  /** Reader failures that lose no known event (poll errors, a consumer that threw) are said in the transcript, not kept silent. */
  private noteReaderHealth(): void {
    const health = (this.opts.engine as { readerHealth?: () => ReaderHealth }).readerHealth?.();
    if (!health) return;
    const prev = this.lastHealth;
    this.lastHealth = health;
    const polls = health.pollErrors - (prev?.pollErrors ?? 0);
    if (polls > 0) this.say(`reading the ring buffer failed ${polls} times (last errno ${health.lastPollErrno})`, 'error');
    const listeners = health.listenerErrors - (prev?.listenerErrors ?? 0);
    if (listeners > 0) this.say(`an event consumer failed ${listeners} times (last: ${escapeTerminal(health.lastListenerError)}); its events are counted as listener_error`, 'error');
  }

  /** Attached probes now, with the figures of the last sample. */
  probeStatus(now = Date.now()): ProbeStatus[] {
    return this.opts.engine.attachments().filter((a) => !this.ctx.capture.isBackground(a.probe.name)).map((a) => {
      const c = this.lastCounts.get(a.probe.name);
      return {
        name: a.probe.name,
        filters: a.filters.clauses.map((cl) => cl.text).join(' '),
        rate: c?.rate ?? 0,
        lost: c?.lost ?? 0,
        degraded: c?.degraded ?? 0,
        lossMoving: !!c && c.movedAt > 0 && now - c.movedAt < LOSS_HOT_MS,
      };
    });
  }

  // ---- ViewControl (for commands) ----

  /** Sets or clears the view filter. */
  setFilter(filter: ViewFilter | null): void {
    this.viewFilter = filter;
    this.window.setFilter(filter ? (e) => filter.match(e) : null);
    this.follow = true;
    this.keepInView();
    this.changed();
  }

  /** The view filter in force. */
  filter(): ViewFilter | null {
    return this.viewFilter;
  }

  /** Freezes or unfreezes the event pane. */
  setPaused(paused: boolean): void {
    this.pausedFlag = paused;
    if (!paused) {
      this.pausedNew = 0;
      this.flush();
    }
    this.changed();
  }

  /** True while the event pane is frozen. */
  paused(): boolean {
    return this.pausedFlag;
  }

  /** Empties the event window. */
  clear(): void {
    this.window.clear();
    this.pending = [];
    this.pendingCount = 0;
    this.follow = true;
    this.changed();
  }

  // ---- what the events pane shows ----

  /** The events pane is `rows` tall (the UI says so after a render, never during one). */
  setPageRows(rows: number): void {
    if (rows === this.pageRows) return;
    this.pageRows = rows;
    this.keepInView();
  }

  /**
   * Pins the selection and the first row shown to rows that exist, with the
   * selection inside a page: done where they move (keys, filter), so that
   * viewport() only reads.
   */
  private keepInView(): void {
    const rows = this.window.rows();
    const n = rows.length;
    if (this.follow || n === 0) return;
    const h = Math.max(1, this.pageRows);
    const sel = Math.min(rows.indexOfSeq(this.selSeq), n - 1);
    let first = Math.min(rows.indexOfSeq(this.topSeq), n - 1);
    if (sel < first) first = sel;
    if (sel >= first + h) first = sel - h + 1;
    first = Math.max(0, Math.min(first, n - h));
    this.selSeq = rows.at(sel)!.seq;
    this.topSeq = rows.at(first)!.seq;
  }

  /** The rows for a pane `height` rows tall, keeping the selection in sight; reads only (a render calls it). */
  viewport(height: number): Viewport {
    const rows = this.window.rows();
    const n = rows.length;
    const h = Math.max(1, height);
    let first: number;
    let sel: number | null = null;
    if (this.follow || n === 0) {
      first = Math.max(0, n - h);
    } else {
      sel = Math.min(rows.indexOfSeq(this.selSeq), n - 1);
      first = Math.min(rows.indexOfSeq(this.topSeq), n - 1);
      if (sel < first) first = sel;
      if (sel >= first + h) first = sel - h + 1;
      first = Math.max(0, Math.min(first, n - h));
    }
    const out: Row[] = [];
    for (let i = first; i < Math.min(n, first + h); i++) out.push(rows.at(i)!);
    return { rows: out, selectedSeq: sel === null ? null : rows.at(sel)!.seq, total: n, first };
  }

  /** The escaped text of a row (computed once). */
  rowText(row: Row): string {
    return (row.text ??= formatEventLine(row.event, this.opts.engine.clock));
  }

  private selectedIndex(rows: Ring): number {
    return this.follow ? rows.length - 1 : Math.min(rows.indexOfSeq(this.selSeq), rows.length - 1);
  }

  private moveSelection(delta: number): void {
    const rows = this.window.rows();
    if (rows.length === 0) return;
    const cur = this.selectedIndex(rows);
    // Leaving follow mode selects the newest row first.
    const next = this.follow ? (delta < 0 ? cur + delta + 1 : cur) : cur + delta;
    if (!this.follow && delta > 0 && next >= rows.length - 1) {
      this.follow = true;
      return;
    }
    if (this.follow && delta > 0) return;
    this.follow = false;
    this.selSeq = rows.at(Math.max(0, Math.min(rows.length - 1, next)))!.seq;
  }

  private selectFirst(): void {
    const rows = this.window.rows();
    if (!rows.length) return;
    this.follow = false;
    this.selSeq = rows.at(0)!.seq;
  }

  // ---- keys ----

  /** Handles one ink input event (a key, or a pasted chunk). */
  input(input: string, key: Key): void {
    if (key.ctrl && input === 'c') return this.quit('Ctrl-C');
    if (key.return) this.enter();
    else if (key.escape) this.escape();
    else if (key.tab) this.tab();
    else if (key.backspace || key.delete) this.backspace();
    else if (key.upArrow) this.arrow(-1);
    else if (key.downArrow) this.arrow(1);
    else if (key.leftArrow) this.editLine((l) => move(l, -1));
    else if (key.rightArrow) this.editLine((l) => move(l, 1));
    else if (key.pageUp) this.page(-1);
    else if (key.pageDown) this.page(1);
    else if (key.home) this.home();
    else if (key.end) this.end();
    else if (key.ctrl) this.ctrlKey(input);
    else if (input.length > 1) this.paste(input);
    else if (input) this.typeChar(input);
    this.keepInView();
    this.changed();
  }

  /**
   * A chunk of several characters: pasted text, or tmux send-keys 'text' Enter
   * ("text\r"). Each CR or LF ends a command; tabs become spaces.
   */
  private paste(chunk: string): void {
    let prevCr = false;
    for (const ch of chunk) {
      if (ch === '\r' || (ch === '\n' && !prevCr)) this.enter();
      else if (ch === '\t') this.typeChar(' ');
      else if (ch === '\x7f' || ch === '\b') this.backspace();
      else if (ch >= ' ' && ch !== '\x7f') this.typeChar(ch);
      prevCr = ch === '\r';
    }
  }

  private typeChar(ch: string): void {
    if (this.mode !== 'events') {
      this.line = insert(this.line, ch);
      this.histPos = null;
      this.choices = [];
      return;
    }
    if (ch === 'q' && this.pane.kind !== 'events') {
      this.pane = { kind: 'events' };
      return;
    }
    if (ch === ' ' && this.pane.kind === 'events') return;
    if (ch === '/' && this.pane.kind === 'events') {
      this.mode = 'search';
      this.line = EMPTY_LINE;
      return;
    }
    this.mode = 'command';
    this.line = ch === ':' ? EMPTY_LINE : lineOf(ch);
    this.histPos = null;
    this.choices = [];
  }

  private editLine(f: (l: LineState) => LineState): void {
    if (this.mode !== 'events') this.line = f(this.line);
  }

  private backspace(): void {
    if (this.mode === 'events') return;
    if (this.line.text === '') {
      this.mode = 'events';
      return;
    }
    this.line = backspace(this.line);
    this.choices = [];
  }

  private ctrlKey(name: string): void {
    if (this.mode === 'events') {
      if (name === 'l') this.transcript = [];
      return;
    }
    if (name === 'a') this.line = move(this.line, -this.line.cursor);
    else if (name === 'e') this.line = lineOf(this.line.text);
    else if (name === 'u') this.line = { text: this.line.text.slice(this.line.cursor), cursor: 0 };
    else if (name === 'w') this.line = deleteWord(this.line);
  }

  private enter(): void {
    if (this.mode === 'command') {
      const text = this.line.text;
      this.mode = 'events';
      this.line = EMPTY_LINE;
      this.choices = [];
      this.histPos = null;
      if (text.trim()) this.submit(text.trim());
      return;
    }
    if (this.mode === 'search') {
      const term = this.line.text || this.lastSearch;
      this.mode = 'events';
      this.line = EMPTY_LINE;
      if (term) this.search(term);
      return;
    }
    if (this.pane.kind === 'pager') {
      this.pane = { kind: 'events' };
    } else if (this.pane.kind === 'events') {
      this.openDetail();
    }
  }

  private escape(): void {
    if (this.mode !== 'events') {
      this.mode = 'events';
      this.line = EMPTY_LINE;
      this.choices = [];
      return;
    }
    if (this.pane.kind !== 'events') this.pane = { kind: 'events' };
    else this.follow = true;
    this.choices = [];
  }

  private tab(): void {
    if (this.mode !== 'command') return;
    const c = completeLine(this.ctx, this.line.text);
    this.line = lineOf(c.line);
    this.choices = c.choices;
  }

  private arrow(d: number): void {
    if (this.mode === 'command') return this.historyStep(d);
    if (this.mode === 'search') return;
    if (this.pane.kind === 'events') this.moveSelection(d);
    else this.scrollPane(d);
  }

  private page(d: number): void {
    const n = Math.max(1, this.pageRows - 1);
    if (this.pane.kind === 'events') this.moveSelection(d * n);
    else this.scrollPane(d * n);
  }

  private home(): void {
    if (this.mode !== 'events') return this.editLine((l) => move(l, -l.cursor));
    if (this.pane.kind === 'events') this.selectFirst();
    else this.pane = { ...this.pane, scroll: 0 };
  }

  private end(): void {
    if (this.mode !== 'events') return this.editLine((l) => lineOf(l.text));
    if (this.pane.kind === 'events') this.follow = true;
    else this.pane = { ...this.pane, scroll: Math.max(0, this.pane.lines.length - this.pageRows) };
  }

  private scrollPane(d: number): void {
    if (this.pane.kind === 'events') return;
    const max = Math.max(0, this.pane.lines.length - this.pageRows);
    this.pane = { ...this.pane, scroll: Math.max(0, Math.min(max, this.pane.scroll + d)) };
  }

  private historyStep(d: number): void {
    if (!this.history.length) return;
    if (this.histPos === null) {
      if (d > 0) return;
      this.draft = this.line.text;
      this.histPos = this.history.length;
    }
    const pos = Math.max(0, Math.min(this.history.length, this.histPos + d));
    this.histPos = pos;
    this.line = lineOf(pos === this.history.length ? this.draft : this.history[pos]!.replace(/^:/, ''));
  }

  /** Opens the detail pane of the selected (or newest) event. */
  openDetail(): void {
    const rows = this.window.rows();
    if (!rows.length) {
      this.say('no event to open (attach a probe first: attach execve)', 'error');
      return;
    }
    const row = rows.at(this.selectedIndex(rows))!;
    const lines = detailLines(row.event, this.opts.engine.clock, this.ctx.processes, this.window.allRows());
    this.pane = { kind: 'detail', title: `event #${row.seq}: ${row.event.probe} pid ${row.event.pid} (Esc or q to close)`, lines, scroll: 0 };
  }

  /** Selects the newest match of `term` older than the selection. */
  private search(term: string): void {
    this.lastSearch = term;
    const rows = this.window.rows();
    const needle = term.toLowerCase();
    const from = this.follow ? rows.length - 1 : this.selectedIndex(rows) - 1;
    for (let i = from; i >= 0; i--) {
      const r = rows.at(i)!;
      if (this.rowText(r).toLowerCase().includes(needle)) {
        this.follow = false;
        this.selSeq = r.seq;
        this.pane = { kind: 'events' };
        this.say(`/${term}: found (/ Enter: next older match, End: follow)`, 'info');
        return;
      }
    }
    this.say(`/${term}: no ${this.follow ? '' : 'older '}match in the ${rows.length} events in view`, 'error');
  }

  // ---- commands ----

  /** Queues a command line (pasted lines run one after the other). */
  submit(text: string): void {
    this.history.push(':' + text.replace(/^:/, ''));
    appendHistory(this.historyFile, ':' + text.replace(/^:/, ''));
    this.queue.push(text);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.quitting) {
      const text = this.queue.shift()!;
      this.running = splitCommandLine(text).name;
      this.say(':' + text.replace(/^:/, ''), 'echo');
      this.changed();
      // Let the echo reach the screen before a command that blocks (attach loads BPF).
      await new Promise((r) => setTimeout(r, 0));
      const outcome = await runCommandLine(this.ctx, text);
      this.running = null;
      this.show(outcome, splitCommandLine(text).name);
      this.changed();
    }
  }

  private show(o: CommandOutcome, name: string): void {
    switch (o.kind) {
      case 'quit':
        this.quit(`:${name}`);
        return;
      case 'dashboard':
        if (this.onDashboard) this.onDashboard();
        else this.say('the dashboard needs the full terminal UI', 'error');
        return;
      case 'error':
        this.say(o.message, 'error');
        return;
      case 'page':
        this.pane = { kind: 'pager', title: `${o.title} (Esc or q to close)`, lines: o.lines, scroll: 0 };
        return;
      case 'ok':
        if (o.lines.length > 3) this.pane = { kind: 'pager', title: `${name} (Esc or q to close)`, lines: o.lines, scroll: 0 };
        else for (const l of o.lines) this.say(l, 'info');
        if (name && this.ctx.capture.current()) this.captureStats = this.ctx.capture.current()!.stats();
        return;
    }
  }

  /** Adds a transcript line. */
  say(text: string, tone: TranscriptLine['tone']): void {
    this.transcript.push({ text, tone });
    if (this.transcript.length > TRANSCRIPT_KEEP) this.transcript.splice(0, this.transcript.length - TRANSCRIPT_KEEP);
  }

  private quit(reason: string): void {
    if (this.quitting) return;
    this.quitting = true;
    this.onQuit(reason);
  }
}
