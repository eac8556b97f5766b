import type { Attachment, Clock, ProbeCounters } from '../engine/index.js';
import type { Filters, TraceEvent } from '../event/index.js';
import type { ProbeSpec } from '../probes/index.js';
import type { FlightRing, RingSnapshot } from './flight-ring.js';

/** The part of the engine the shell drives; the real Engine satisfies it, tests pass a fake. */
export interface ShellEngine {
  readonly clock: Clock;
  attach(probe: ProbeSpec, filters: Filters): Attachment;
  detach(probe: ProbeSpec): Attachment;
  /** Detaches several probes at once (their kernel links torn down together). */
  detachMany(probes: readonly ProbeSpec[]): Attachment[];
  attachments(): Attachment[];
  counters(): ProbeCounters[];
  onEvents(listener: (events: TraceEvent[]) => void): () => void;
  close(): void;
  /** Loads every probe ahead, off the JS thread, one at a time, so its first attach only attaches (the live engine). */
  preload?(): void;
  /** Resolves once `probe`'s load ahead, if under way, has landed (or would take longer than loading afresh). */
  spareLanding?(probe: ProbeSpec): Promise<void>;
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
 * src/session/capture-sink.ts provides it over the store's Recorder.
 */
export interface CaptureSink {
  readonly path: string;
  journal(entry: JournalEntry): void;
  mark(text: string, at: number): void;
  /** What the capture took from the ring when it began (null: none). */
  lookBack(): LookBackStats | null;
  query(sql: string): QueryResult | Promise<QueryResult>;
  stats(): CaptureStats;
  /** Probes the capture attached for itself (the process table), hidden from the view. */
  background(): string[];
  /** Finalizes the file (checkpoint, clean-stop flag); safe to call twice. */
  close(): void | Promise<void>;
}

/** What a capture needs to open. */
export interface CaptureOpenInfo extends CaptureStartOptions {
  argv: string[];
  engine: ShellEngine;
  /**
   * The look-back: the capture begins `startNs` (kernel monotonic ns) with
   * the ring's contents. `take()` must be called synchronously right where the
   * capture subscribes to the engine, so each batch is either in the ring's
   * part or in the live part, never in neither or both.
   */
  lookBack?: { startNs: number; take(): RingSnapshot };
}

/** Opens captures; absent while the store is not part of this build. */
export interface CaptureFactory {
  open(path: string, info: CaptureOpenInfo): CaptureSink | Promise<CaptureSink>;
}

/** Choices of a capture started from the shell (`:record FILE --collect-binaries`). */
export interface CaptureStartOptions {
  /** Also store the bytes of each executed file in the capture. */
  collectBinaries?: boolean;
  /** Ed25519 private key (PKCS#8 PEM) to sign the manifest with when the capture is finalized. */
  signKey?: string;
}

/** How a capture starts: how far back, a duration before now in ns (Infinity: the whole ring), and its choices. */
export interface StartOptions extends CaptureStartOptions {
  sinceNs?: number;
}

/** What a look-back capture took from the ring. */
export interface LookBackStats {
  /** Window start, kernel monotonic ns. */
  startNs: number;
  events: number;
  /** Events the ring had evicted (byte bound) inside the window: written as ring_evicted losses. */
  evicted: number;
}

/** The shell's recording slot: at most one capture at a time. */
export interface CaptureControl {
  /** Why recording is unavailable, or null when a factory is wired. */
  unavailable(): string | null;
  current(): CaptureSink | null;
  /** Starts a capture; with `sinceNs` it begins with the ring's contents from that long ago. */
  start(path: string, opts?: StartOptions): Promise<CaptureSink>;
  /** Writes the ring's window of `sinceNs` before now, with a note `mark` at its end, into a finished capture at `path`. */
  save(path: string, sinceNs: number, mark: string): Promise<CaptureStats & { lookBack: LookBackStats | null }>;
  /** What the current capture took from the ring (null: no look-back). */
  lookBack(): LookBackStats | null;
  /** The flight ring, when the shell keeps one. */
  ring(): FlightRing | null;
  stop(): Promise<CaptureStats | null>;
  /** Journals an entry into the current capture, if any. */
  journal(entry: JournalEntry): void;
  /** True for events of a probe only the capture wanted (not shown in the view). */
  isBackground(probe: string): boolean;
}
