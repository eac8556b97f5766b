import type { TraceEvent } from '../event/index.js';
import type { Clock } from '../engine/index.js';
import { formatEventJson, formatEventLineInto } from './event-format.js';
import { TextChunk } from './text-chunk.js';

/** Where trace's lines go: process.stdout, or a stream like it. */
export interface TraceSink {
  write(chunk: Uint8Array): boolean;
  /** Bytes the stream still holds (queued, not yet written). */
  readonly writableLength: number;
}

/**
 * trace's stdout: each batch of events formatted (text lines or NDJSON)
 * into one byte chunk and written with one write; counts what was printed,
 * per probe, and stops printing at --count.
 */
export class TraceOutput {
  /** Lines written so far. */
  printed = 0;
  /** Lines written so far per probe name. */
  readonly printedBy = new Map<string, number>();
  private readonly chunk = new TextChunk();

  constructor(
    private readonly out: TraceSink,
    private readonly opts: { json?: boolean; count?: number },
  ) {}

  /** True once --count lines were printed: later events are received (and counted by the engine) but not printed. */
  get full(): boolean {
    return this.opts.count !== undefined && this.printed >= this.opts.count;
  }

  /** Formats and writes one batch (nothing past --count). */
  push(events: readonly TraceEvent[], clock: Clock): void {
    const chunk = this.chunk;
    const limit = this.opts.count === undefined ? events.length : Math.min(events.length, this.opts.count - this.printed);
    if (limit <= 0) return;
    // Per-probe counts are kept per run of one probe (a batch is mostly runs), not per event.
    let run = '';
    let runCount = 0;
    for (let i = 0; i < limit; i++) {
      const e = events[i]!;
      if (this.opts.json) {
        chunk.str(formatEventJson(e, clock));
        chunk.byte(0x0a);
      } else formatEventLineInto(e, clock, chunk);
      if (e.probe !== run) {
        if (runCount) this.printedBy.set(run, (this.printedBy.get(run) ?? 0) + runCount);
        run = e.probe;
        runCount = 0;
      }
      runCount++;
    }
    if (runCount) this.printedBy.set(run, (this.printedBy.get(run) ?? 0) + runCount);
    this.printed += limit;
    this.out.write(chunk.take());
    // A stream that could not write it all at once keeps the bytes: they must not be overwritten.
    if (this.out.writableLength > 0) chunk.abandon();
  }
}
