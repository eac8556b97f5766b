import type { Filters, TraceEvent } from '../../event/index.js';
import type { CaptureControl, ProcessBook, ReplayControl, SeenValues, ShellEngine } from '../../session/index.js';

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
  /** Shows (true) or folds (false) the events probes call noise (library opens); the capture keeps everything. */
  setNoise(shown: boolean): void;
  /** Whether noise is on show, and how many events were folded since it was folded. */
  noise(): { shown: boolean; folded: number };
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
  /** Never holds the JS thread (its slow part runs elsewhere): the shell shows its echo and outcome in one frame, without a frame for the echo first. */
  instant?: boolean;
  /** Extra lines for `:help <command>`. */
  help?: string[];
  /** Candidates for the word being typed; `args` are the words before it. */
  complete?(ctx: ShellContext, args: string[], word: string): string[];
  run(ctx: ShellContext, args: string[]): CommandOutcome | Promise<CommandOutcome>;
}
