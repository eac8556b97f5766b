import type { Attachment, Clock, ProbeCounters } from '../../engine/index.js';
import type { Filters, TraceEvent } from '../../event/index.js';
import type { ProbeSpec } from '../../probes/index.js';
import type { ProcessBook } from './process-book.js';
import type { ReplayControl } from './replay-control.js';
import type { SeenValues } from './seen-values.js';

/** The part of the engine the shell drives; the real Engine satisfies it, tests pass a fake. */
export interface ShellEngine {
  readonly clock: Clock;
  attach(probe: ProbeSpec, filters: Filters): Attachment;
  detach(probe: ProbeSpec): Attachment;
  attachments(): Attachment[];
  counters(): ProbeCounters[];
  onEvents(listener: (events: TraceEvent[]) => void): () => void;
  close(): void;
}

/** A userspace filter over what arrives in the view (same grammar as the kernel filters). */
export interface ViewFilter {
  /** The filter as the user wrote it, normalised. */
  text: string;
  filters: Filters;
  match(event: TraceEvent): boolean;
}

/** What commands may change in the view; the TUI implements it. */
export interface ViewControl {
  setFilter(filter: ViewFilter | null): void;
  filter(): ViewFilter | null;
  setPaused(paused: boolean): void;
  paused(): boolean;
  /** Empties the event window (the capture keeps everything). */
  clear(): void;
}

/** One row of the capture journal: what was watched, with which filters (the attachment says where each ran). */
export interface JournalEntry {
  action: 'attach' | 'detach' | 'filter';
  attachment: Attachment;
}

/** Rows of a read-only query against the current capture. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** True when rows were cut to the shell's limit. */
  truncated?: boolean;
}

/** Figures for the status line. */
export interface CaptureStats {
  path: string;
  bytes: number;
  events: number;
  /** Wall-clock ms when recording started. */
  startedAt: number;
}

/**
 * A capture being written. It takes every event the engine delivers (not the
 * view window, not the view filter) by itself; the shell journals
 * attach/detach/filter changes, writes marks, and queries it read-only.
 * src/store provides it (src/tui/capture-wiring.ts).
 */
export interface CaptureSink {
  readonly path: string;
  journal(entry: JournalEntry): void;
  mark(text: string, at: number): void;
  query(sql: string): QueryResult | Promise<QueryResult>;
  stats(): CaptureStats;
  /** Probes the capture attached for itself (the process table), hidden from the view. */
  background(): string[];
  /** Finalizes the file (checkpoint, clean-stop flag); safe to call twice. */
  close(): void | Promise<void>;
}

/** Opens captures; absent while the store is not part of this build. */
export interface CaptureFactory {
  open(path: string, info: { argv: string[]; engine: ShellEngine }): CaptureSink | Promise<CaptureSink>;
}

/** The shell's recording slot: at most one capture at a time. */
export interface CaptureControl {
  /** Why recording is unavailable, or null when a factory is wired. */
  unavailable(): string | null;
  current(): CaptureSink | null;
  start(path: string): Promise<CaptureSink>;
  stop(): Promise<CaptureStats | null>;
  /** Journals an entry into the current capture, if any. */
  journal(entry: JournalEntry): void;
  /** True for events of a probe only the capture wanted (not shown in the view). */
  isBackground(probe: string): boolean;
}

/** Everything a command may use. */
export interface ShellContext {
  engine: ShellEngine;
  view: ViewControl;
  processes: ProcessBook;
  seen: SeenValues;
  capture: CaptureControl;
  commands: readonly ShellCommand[];
  /** The replay clock and stream in `ebpfsh replay`; absent in the live shell. */
  replay?: ReplayControl;
}

/** What a command returns for the UI to show. Errors are lines, never crashes. */
export type CommandOutcome =
  /** Short result lines for the transcript (long ones open the pager). */
  | { kind: 'ok'; lines: string[] }
  /** A page of output (help, probes, tree, query), shown in the pager. */
  | { kind: 'page'; title: string; lines: string[] }
  | { kind: 'error'; message: string }
  /** Switch to the full-screen dashboard (the UI returns to the shell on q/Esc). */
  | { kind: 'dashboard' }
  | { kind: 'quit' };

/** One `:command`: one object, like gemini-cli's slash commands. */
export interface ShellCommand {
  name: string;
  aliases: string[];
  /** `attach <probe[,probe]> [filters...]` */
  usage: string;
  summary: string;
  /** Pass the rest of the line as one untokenized argument (SQL keeps its quotes). */
  rawArgs?: boolean;
  /** Extra lines for `:help <command>`. */
  help?: string[];
  /** Candidates for the word being typed; `args` are the words before it. */
  complete?(ctx: ShellContext, args: string[], word: string): string[];
  run(ctx: ShellContext, args: string[]): CommandOutcome | Promise<CommandOutcome>;
}
