import type { Key } from 'ink';
import { FULL_COLUMNS, formatEventLine, type EventColumns } from '../../commands/event-format.js';
import {
  QUIT_CONFIRM_MS,
  SHELL_COMMANDS,
  completeLine,
  findCommand,
  runCommandLineNow,
  splitCommandLine,
  type CommandOutcome,
  type ShellCommand,
  type ShellContext,
  type ViewControl,
  type ViewFilter,
} from '../../commands/shell/index.js';
import type { ReaderHealth } from '../../engine/session.js';
import { type TraceEvent } from '../../event/index.js';
import { facetsOf } from '../../probes/index.js';
import { LocalListeners, ProcessBook, SeenValues, createCaptureControl, type CaptureFactory, type CaptureStats, type FlightRing, type HistoryFile, type ShellEngine } from '../../session/index.js';
import { displayZone, escapeTerminal, zoneLabel } from '../../text/index.js';
import { detailLines, peerMarker } from './detail-lines.js';
import { CommandQueue } from './command-queue.js';
import { EventWindow, type Row } from './event-window.js';
import { EventIntake } from './intake.js';
import { FramePacer } from './frame-pacer.js';
import { lineOf, move, type LineState } from './line-editor.js';
import { ProbeRates, type ProbeStatus } from './probe-rates.js';
import { probeLines, type ProbeLine } from './probe-summary.js';
import { Prompt, type Mode } from './prompt.js';
import { EventScroll, type Viewport } from './scroll.js';
import { searchOlder } from './search.js';

export type { Mode, ProbeStatus, Viewport };

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
  /** Least time between two batches of events reaching the view; also paces the frames (1000/flushMs a second, see FramePacer). */
  flushMs?: number;
  /** The flight recorder of the minutes before `:record --since` (none: no look-back). */
  ring?: FlightRing | null;
}

const TRANSCRIPT_KEEP = 200;

/**
 * Least ms between two batches of events reaching the view: 25 event frames
 * a second, and with the keys' reserve (FramePacer) at most ~28 frames in any second.
 */
const FLUSH_MS = 40;

/** True for an event its probe calls noise (a library open): what `:noise off` folds. */
function isNoise(e: TraceEvent): boolean {
  return facetsOf(e.probe)?.isNoise?.(e) ?? false;
}

/**
 * The shell's view state, without React, made of small stores each testable
 * alone (src/tui/shell/): the intake (throttled, bounded), the scroll position
 * over the event window, the prompt (line editing, history), search, the
 * command queue and the probe rates. This class routes keys between them and
 * holds the panes and the transcript. Components render its snapshot and never
 * change it: every change happens in input(), a command, or a timer.
 */
export class ShellModel implements ViewControl {
  readonly ctx: ShellContext;
  readonly window: EventWindow;
  pane: Pane = { kind: 'events' };
  transcript: TranscriptLine[] = [];
  captureStats: CaptureStats | null = null;
  /** Called once when the user asks to leave (`:quit`, Ctrl-D, a confirmed Ctrl-C). */
  onQuit: (reason: string) => void = () => {};
  /** Called on `:dash`; null where the UI has no dashboard (e.g. ink tests). */
  onDashboard: (() => void) | null = null;

  private readonly intake: EventIntake;
  private readonly scroll: EventScroll;
  private readonly prompt: Prompt;
  private readonly commands: CommandQueue<CommandOutcome>;
  private readonly rates = new ProbeRates();
  private readonly pacer: FramePacer;
  private version = 0;
  private readonly listeners = new Set<() => void>();
  private viewFilter: ViewFilter | null = null;
  private lastSearch = '';
  private quitting = false;
  /** When a Ctrl-C on an empty line asked "again to quit?" (null: not asked, or cancelled by another key). */
  private quitAskedAt: number | null = null;
  private lastHealth: ReaderHealth | undefined;
  private unsubscribe: (() => void) | null = null;
  private readonly localListeners: LocalListeners;

  constructor(private readonly opts: ShellModelOptions) {
    this.window = new EventWindow(opts.windowSize ?? 5000);
    this.localListeners = new LocalListeners(opts.procRoot);
    const flushMs = opts.flushMs ?? FLUSH_MS;
    this.pacer = new FramePacer(1000 / flushMs, () => {
      for (const l of this.listeners) l();
    });
    this.intake = new EventIntake(this.window, flushMs, () => this.changed(false));
    this.scroll = new EventScroll(this.window);
    this.prompt = new Prompt(opts.history, opts.historyFile ?? null);
    this.ctx = {
      engine: opts.engine,
      view: this,
      processes: new ProcessBook(opts.procRoot),
      seen: new SeenValues(),
      capture: createCaptureControl(opts.engine, opts.captureFactory ?? null, undefined, opts.ring ?? null),
      commands: opts.commands ?? SHELL_COMMANDS,
    };
    this.commands = new CommandQueue<CommandOutcome>({
      nameOf: (text) => splitCommandLine(text).name,
      instant: (text) => findCommand(this.ctx.commands, splitCommandLine(text).name)?.instant === true,
      starting: (text) => {
        this.say(':' + text.replace(/^:/, ''), 'echo');
        this.changed();
      },
      run: (text) => runCommandLineNow(this.ctx, text),
      done: (outcome, name) => {
        this.show(outcome, name);
        this.scroll.keepInView();
        this.changed();
      },
    });
    this.unsubscribe = opts.engine.onEvents((events) => this.ingest(events));
  }

  /** Where typing goes. */
  get mode(): Mode {
    return this.prompt.mode;
  }

  /** The command or search line being edited. */
  get line(): LineState {
    return this.prompt.line;
  }

  /** Completion candidates. */
  get choices(): string[] {
    return this.prompt.choices;
  }

  /** True while the events pane follows the newest event. */
  get follow(): boolean {
    return this.scroll.follow;
  }

  /** Rows of the events pane, as the UI last said (setPageRows). */
  get pageRows(): number {
    return this.scroll.pageRows;
  }

  /** Events that arrived while paused. */
  get pausedNew(): number {
    return this.intake.pausedNew;
  }

  /** The command running now, or null. */
  get running(): string | null {
    return this.commands.running;
  }

  // ---- store protocol (useSyncExternalStore) ----

  /** Subscribes to changes; returns an unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever anything shown changed. */
  getVersion = (): number => this.version;

  /** Something shown changed: `urgent` when the responder did it (shown at once), else new events or counters (paced). */
  private changed(urgent = true): void {
    this.version++;
    this.pacer.request(urgent);
  }

  /** Stops listening to the engine and drops pending timers. */
  dispose(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.intake.dispose();
    this.pacer.dispose();
  }

  // ---- events in ----

  /**
   * Takes a batch from the engine. Process and completion indexes see every
   * event; the view gets them through the intake, at most once per flushMs.
   */
  ingest(events: TraceEvent[]): void {
    this.ctx.processes.note(events);
    // Who listens at the local end is read at connect time (the listener may be gone by the time the pane opens).
    if (!this.ctx.replay) this.localListeners.note(events);
    // Completion needs recent values, not every one: a sample of a big batch will do.
    this.ctx.seen.note(events.length > 64 ? events.filter((_, i) => i % Math.ceil(events.length / 64) === 0) : events);
    // Probes the capture attached for itself feed the process book, not the view.
    if (this.ctx.capture.current()) events = events.filter((e) => !this.ctx.capture.isBackground(e.probe));
    this.opts.ring?.push(events);
    this.intake.take(events);
  }

  /** Every event the shell holds: the window, then what waits for the next flush (or for :resume). */
  heldEvents(): Generator<TraceEvent> {
    return this.intake.held();
  }

  /** Moves pending events into the window (also used by tests). */
  flush(): void {
    this.intake.flush();
  }

  /** Samples engine counters (once a second): events/s and loss movement per probe. */
  sampleCounters(now = Date.now()): void {
    const counters = this.opts.engine.counters();
    this.rates.sample(counters, now);
    this.opts.ring?.sampleLosses(counters);
    this.opts.ring?.trim();
    this.noteReaderHealth();
    this.captureStats = this.ctx.capture.current()?.stats() ?? null;
    this.changed(false);
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

  /** How far back the flight ring holds every event, in ms (null: the shell keeps no ring). */
  ringSpanMs(): number | null {
    const r = this.opts.ring;
    return r ? r.spanNs() / 1e6 : null;
  }

  /** Attached probes now, with the figures of the last sample. */
  probeStatus(now = Date.now()): ProbeLine[] {
    // Every probe that runs, the capture's own included (marked): the status line must not say "no probe" while one works.
    const attached = this.opts.engine.attachments();
    return probeLines(attached, this.rates.status(attached, now), (p) => this.ctx.capture.isBackground(p), this.viewFilter?.filters ?? null);
  }

  // ---- ViewControl (for commands) ----

  /** Sets or clears the view filter. */
  setFilter(filter: ViewFilter | null): void {
    this.viewFilter = filter;
    this.window.setFilter(filter ? (e) => filter.match(e) : null);
    this.scroll.follow = true;
    this.changed();
  }

  /** The view filter in force. */
  filter(): ViewFilter | null {
    return this.viewFilter;
  }

  /** Shows or folds the events their probe calls noise (view only: the capture keeps them). */
  setNoise(shown: boolean): void {
    this.window.setFold(shown ? null : isNoise);
    this.scroll.follow = true;
    this.changed();
  }

  /** Whether noise is on show, and how many events the fold hid. */
  noise(): { shown: boolean; folded: number } {
    return { shown: !this.window.folding, folded: this.window.folded };
  }

  /** Freezes or unfreezes the event pane. */
  setPaused(paused: boolean): void {
    this.intake.setPaused(paused);
    this.changed();
  }

  /** True while the event pane is frozen. */
  paused(): boolean {
    return this.intake.paused();
  }

  /** Empties the event window. */
  clear(): void {
    this.window.clear();
    this.intake.drop();
    this.scroll.follow = true;
    this.changed();
  }

  // ---- what the events pane shows ----

  /** The events pane is `rows` tall (the UI says so after a render, never during one). */
  setPageRows(rows: number): void {
    if (rows !== this.scroll.pageRows) this.scroll.setPageRows(rows);
  }

  /** The rows for a pane `height` rows tall, keeping the selection in sight; reads only (a render calls it). */
  viewport(height: number): Viewport {
    return this.scroll.view(height);
  }

  /** `times in UTC+01:00 Europe/Berlin`: the event pane's zone, with the offset as at `row` (DST: a replay's times, not today's). */
  timesLabel(row: Row | undefined): string {
    const ms = row ? (row.event.ts + this.opts.engine.clock.offsetNs) / 1e6 : Date.now();
    return `times in ${zoneLabel(displayZone(), ms)}`;
  }

  /**
   * The escaped text of a row (kept on the row: a cache, not view state;
   * rendered again after :set tz). A narrow layout (a narrow terminal's) is
   * made only for rows in sight, and kept beside it for the next frames;
   * search and the detail pane use the full text.
   */
  rowText(row: Row, columns: EventColumns = FULL_COLUMNS): string {
    const zone = displayZone();
    if (columns !== FULL_COLUMNS) {
      // a row stays in sight for many frames: made once per layout and zone, not once per frame
      if (row.narrowText === undefined || row.narrowColumns !== columns || row.narrowZone !== zone) {
        row.narrowText = formatEventLine(row.event, this.opts.engine.clock, columns);
        row.narrowColumns = columns;
        row.narrowZone = zone;
      }
      return row.narrowText;
    }
    if (row.text === undefined || row.textZone !== zone) {
      row.text = formatEventLine(row.event, this.opts.engine.clock) + peerMarker(this.localListeners.peerOf(row.event));
      row.textZone = zone;
    }
    return row.text;
  }

  // ---- keys ----

  /**
   * Handles one ink input event (a key, or a pasted chunk). In raw mode the
   * keyboard's Ctrl-C is this input, not SIGINT: it never ends an incident's
   * shell by reflex (see interrupt); a real SIGINT still goes to the lifecycle.
   * `now` is a monotonic ms clock (a wall-clock step must not confirm a quit).
   */
  input(input: string, key: Key, now = performance.now()): void {
    key = this.escapeFirst(key);
    const interrupting = key.ctrl && input === 'c';
    if (!interrupting) this.quitAskedAt = null;
    if (interrupting) this.interrupt(now);
    else if (key.ctrl && input === 'd') this.endOfInput();
    else if (key.return) this.enter();
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
    else if (input.length > 1) this.paste(input, now);
    else if (input) this.typeChar(input);
    this.scroll.keepInView();
    this.changed();
  }

  /**
   * A terminal sends Esc then a key, when both land in one read, exactly as it sends
   * Alt+key (see use-shell-input). The shell binds no Alt keys: it is Esc, then the key.
   * Returns the key without `meta`.
   */
  escapeFirst(key: Key): Key {
    if (!key.meta || key.escape) return key;
    this.escape();
    return { ...key, meta: false };
  }

  /**
   * A chunk of several characters: pasted text, or tmux send-keys 'text' Enter
   * ("text\r"). Each CR or LF ends a command; tabs become spaces. Ctrl-C and
   * Ctrl-D keep their meaning (two quick presses can arrive as one chunk).
   */
  private paste(chunk: string, now: number): void {
    let prevCr = false;
    for (const ch of chunk) {
      if (ch !== '\x03') this.quitAskedAt = null;
      if (ch === '\x03') this.interrupt(now);
      else if (ch === '\x04') this.endOfInput();
      else if (ch === '\r' || (ch === '\n' && !prevCr)) this.enter();
      else if (ch === '\t') this.typeChar(' ');
      else if (ch === '\x7f' || ch === '\b') this.backspace();
      else if (ch >= ' ' && ch !== '\x7f') this.typeChar(ch);
      prevCr = ch === '\r';
    }
  }

  /**
   * Ctrl-C undoes the nearest thing first: the line being typed, then an open
   * pane; only on an empty line with nothing open does it ask, and a second
   * Ctrl-C within QUIT_CONFIRM_MS quits.
   */
  private interrupt(now: number): void {
    if (this.mode !== 'events') {
      this.prompt.close();
      return;
    }
    if (this.pane.kind !== 'events') {
      this.pane = { kind: 'events' };
      return;
    }
    if (this.quitAskedAt !== null && now - this.quitAskedAt <= QUIT_CONFIRM_MS) return this.quit('Ctrl-C');
    this.quitAskedAt = now;
    this.say(`press Ctrl-C again within ${QUIT_CONFIRM_MS / 1000} s (or :quit) to quit: ${this.whatQuitDoes()}`, 'info');
  }

  /** What leaving does, said before the user confirms it. */
  private whatQuitDoes(): string {
    if (this.ctx.replay) return 'the replay closes, the capture is unchanged';
    return this.ctx.capture.current() ? 'probes are detached and the capture finalized' : 'probes are detached';
  }

  /** A key another handler took (replay's play and step keys): like any key but Ctrl-C, it cancels a pending "again to quit". */
  keyTakenElsewhere(): void {
    this.quitAskedAt = null;
  }

  /** Ctrl-D quits from an empty line, as in a terminal; on a line with text it does nothing. */
  private endOfInput(): void {
    if (this.line.text === '') this.quit('Ctrl-D');
  }

  private typeChar(ch: string): void {
    if (this.mode !== 'events') return this.prompt.type(ch);
    if (ch === 'q' && this.pane.kind !== 'events') {
      this.pane = { kind: 'events' };
      return;
    }
    if (ch === ' ' && this.pane.kind === 'events') return;
    if (ch === '/' && this.pane.kind === 'events') return this.prompt.open('search');
    this.prompt.open('command', ch === ':' ? '' : ch);
  }

  private editLine(f: (l: LineState) => LineState): void {
    if (this.mode !== 'events') this.prompt.edit(f);
  }

  private backspace(): void {
    if (this.mode !== 'events') this.prompt.backspace();
  }

  private ctrlKey(name: string): void {
    if (this.mode !== 'events') return this.prompt.ctrl(name);
    if (name === 'l') this.transcript = [];
  }

  private enter(): void {
    if (this.mode === 'command') {
      const text = this.prompt.close();
      if (text.trim()) this.submit(text.trim());
      return;
    }
    if (this.mode === 'search') {
      const term = this.prompt.close() || this.lastSearch;
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
      this.prompt.close();
      return;
    }
    if (this.pane.kind !== 'events') this.pane = { kind: 'events' };
    else this.scroll.follow = true;
    this.prompt.choices = [];
  }

  private tab(): void {
    if (this.mode === 'command') this.prompt.complete(completeLine(this.ctx, this.line.text));
  }

  private arrow(d: number): void {
    if (this.mode === 'command') return this.prompt.step(d);
    if (this.mode === 'search') return;
    if (this.pane.kind === 'events') this.scroll.move(d);
    else this.scrollPane(d);
  }

  private page(d: number): void {
    if (this.pane.kind === 'events') this.scroll.page(d);
    else this.scrollPane(d * Math.max(1, this.pageRows - 1));
  }

  private home(): void {
    if (this.mode !== 'events') return this.editLine((l) => move(l, -l.cursor));
    if (this.pane.kind === 'events') this.scroll.selectFirst();
    else this.pane = { ...this.pane, scroll: 0 };
  }

  private end(): void {
    if (this.mode !== 'events') return this.editLine((l) => lineOf(l.text));
    if (this.pane.kind === 'events') this.scroll.follow = true;
    else this.pane = { ...this.pane, scroll: Math.max(0, this.pane.lines.length - this.pageRows) };
  }

  private scrollPane(d: number): void {
    if (this.pane.kind === 'events') return;
    const max = Math.max(0, this.pane.lines.length - this.pageRows);
    this.pane = { ...this.pane, scroll: Math.max(0, Math.min(max, this.pane.scroll + d)) };
  }

  /** Opens the detail pane of the selected (or newest) event. */
  openDetail(): void {
    const rows = this.window.rows();
    if (!rows.length) {
      this.say('no event to open (attach a probe first: attach execve)', 'error');
      return;
    }
    const row = rows.at(this.scroll.selectedIndex())!;
    const lines = detailLines(row.event, this.opts.engine.clock, this.ctx.processes, this.window.allRows(), undefined, this.ctx.replay ? null : { listeners: this.localListeners });
    this.pane = { kind: 'detail', title: `event #${row.seq}: ${row.event.probe} pid ${row.event.pid} (Esc or q to close)`, lines, scroll: 0 };
  }

  /** Selects the newest match of `term` older than the selection. */
  private search(term: string): void {
    this.lastSearch = term;
    const rows = this.window.rows();
    const from = this.follow ? rows.length - 1 : this.scroll.selectedIndex() - 1;
    const i = searchOlder(rows, from, term, (j) => this.rowText(rows.at(j)!));
    if (i >= 0) {
      this.scroll.select(rows.at(i)!.seq);
      this.pane = { kind: 'events' };
      this.say(`/${term}: found (/ Enter: next older match, End: follow)`, 'info');
      return;
    }
    this.say(`/${term}: no ${this.follow ? '' : 'older '}match in the ${rows.length} events in view`, 'error');
  }

  // ---- commands ----

  /** Queues a command line (pasted lines run one after the other). */
  submit(text: string): void {
    this.prompt.remember(text);
    this.commands.submit(text);
  }

  /** Queues a command the shell runs for the user at start-up (echoed, not added to the history). */
  run(text: string): void {
    this.commands.submit(text);
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
    this.commands.stop();
    this.onQuit(reason);
  }
}
