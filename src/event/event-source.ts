import type { Filters } from './filters.js';
import type { TraceEvent } from './types.js';

/** Receives each decoded batch, in kernel order per probe. */
export type EventListener = (events: TraceEvent[]) => void;

/** Counts of one probe as a source reports them: delivered, filtered out, and lost by cause. */
export interface SourceCounters {
  probe: string;
  /** Events delivered (after userspace filters). */
  events: number;
  /** Events the userspace part of the filter rejected. */
  filtered: number;
  losses: Record<string, number>;
}

/** Health of the path from the ring to the listeners, for the journal: what failed without losing a known event. */
export interface ReaderHealth {
  /** Records whose framing (length or probe id) was bad: lost, probe unknown. */
  framingErrors: number;
  /** Failed ring_buffer polls or consumes, and the errno of the last one. */
  pollErrors: number;
  lastPollErrno: number;
  /** Listener calls that threw (the events are counted as listener_error against their probe). */
  listenerErrors: number;
  /** The message of the last listener error. */
  lastListenerError: string;
}

/**
 * An attach (or filter change) of a source, as the capture's journal records
 * it: which probe, with which filters, at which attach points, and which
 * optional hooks the kernel refused. The engine's Attachment is one.
 */
export interface AttachNotice {
  readonly probe: { readonly name: string };
  readonly filters: Filters;
  readonly attachPoints: readonly string[];
  readonly missing: readonly string[];
}

/**
 * Where decoded events come from, as the capture writer sees it: its events,
 * its loss counters and its clock. The live engine satisfies it; the writer
 * need not know which source it records.
 */
export interface EventSource {
  /** Monotonic -> wall clock: wall ns = event ts + offsetNs. */
  readonly clock: { readonly offsetNs: number };
  /** Subscribes to every decoded batch; returns the unsubscribe function. */
  onEvents(listener: EventListener): () => void;
  /** Per-probe counters of every probe the source ever delivered. */
  counters(): SourceCounters[];
  /** Losses that belong to no probe, by cause. */
  sessionLosses(): Record<string, number>;
  /** Health of the reader path. */
  readerHealth(): ReaderHealth;
}
