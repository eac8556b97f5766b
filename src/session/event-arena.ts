import type { TraceEvent } from '../event/index.js';
import { EventCodec, RecordWriter } from './ring-codec.js';

/** Bytes of one arena chunk (a record larger than this gets a chunk of its own size). */
export const ARENA_CHUNK_BYTES = 1024 * 1024;
/** Index bytes per event: its ts (f64) and its record's offset (u32). */
export const INDEX_BYTES_PER_EVENT = 12;

/** One Buffer of records with the index of the events in it, oldest first; events before `head` are evicted. */
interface Chunk {
  buf: Buffer;
  ts: Float64Array;
  offs: Uint32Array;
  count: number;
  head: number;
  /** End of the last record. */
  end: number;
}

function newChunk(buf: Buffer): Chunk {
  const cap = 1024;
  return { buf, ts: new Float64Array(cap), offs: new Uint32Array(cap), count: 0, head: 0, end: 0 };
}

/**
 * A FIFO of events in their compact form (ring-codec): records in large
 * Buffers outside the V8 heap, an index of ts and offset per event. Its size
 * is real bytes (records plus index), not an estimate; the memory it holds is
 * that plus at most the unused tail of the newest chunk and the evicted part
 * of the oldest (two chunks) and the index arrays' spare capacity.
 */
export class EventArena {
  private readonly codec = new EventCodec();
  private readonly chunks: Chunk[] = [];
  private readonly writer: RecordWriter;
  private liveBytes = 0;
  private liveCount = 0;
  /** The last chunk buffer emptied by eviction, reused for the next chunk: a full ring recycles memory it already touched. */
  private spare: Buffer | null = null;

  constructor(private readonly chunkBytes = ARENA_CHUNK_BYTES) {
    this.writer = new RecordWriter(chunkBytes, (min) => this.startChunk(min));
  }

  private startChunk(min: number): Buffer {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.head === last.count) this.chunks.pop(); // nothing live in it (its only record moves on)
    let buf: Buffer;
    if (this.spare && this.spare.length >= min) {
      buf = this.spare;
      this.spare = null;
    } else buf = Buffer.allocUnsafeSlow(min);
    this.chunks.push(newChunk(buf));
    return buf;
  }

  /** Appends an event; returns the bytes it takes (record and index). */
  push(e: TraceEvent): number {
    const w = this.writer;
    w.start = w.off;
    this.codec.write(w, e);
    const c = this.chunks[this.chunks.length - 1]!;
    if (c.count === c.ts.length) {
      const ts = new Float64Array(c.count * 2);
      ts.set(c.ts);
      c.ts = ts;
      const offs = new Uint32Array(c.count * 2);
      offs.set(c.offs);
      c.offs = offs;
    }
    c.ts[c.count] = e.ts;
    c.offs[c.count] = w.start;
    c.count++;
    c.end = w.off;
    const n = w.off - w.start + INDEX_BYTES_PER_EVENT;
    this.liveBytes += n;
    this.liveCount++;
    return n;
  }

  /** Events kept. */
  get length(): number {
    return this.liveCount;
  }

  /** Bytes of the events kept (records and index). */
  get bytes(): number {
    return this.liveBytes;
  }

  /** Bytes the arena holds in memory: every chunk and index array whole, and the spare chunk. */
  get allocatedBytes(): number {
    let n = this.spare?.length ?? 0;
    for (const c of this.chunks) n += c.buf.length + c.ts.byteLength + c.offs.byteLength;
    return n;
  }

  private first(): Chunk {
    return this.chunks[0]!;
  }

  /** ts of the oldest event (call only when length > 0). */
  headTs(): number {
    const c = this.first();
    return c.ts[c.head]!;
  }

  /** Probe of the oldest event (call only when length > 0). */
  headProbe(): string {
    const c = this.first();
    return this.codec.probeAt(c.buf, c.offs[c.head]!);
  }

  /** Drops the oldest event (call only when length > 0); its chunk goes when it has nothing live and is not the newest. */
  dropHead(): void {
    const c = this.first();
    const end = c.head + 1 < c.count ? c.offs[c.head + 1]! : c.end;
    this.liveBytes -= end - c.offs[c.head]! + INDEX_BYTES_PER_EVENT;
    this.liveCount--;
    c.head++;
    if (c.head === c.count && this.chunks.length > 1) {
      this.chunks.shift();
      if (c.buf.length === this.chunkBytes) this.spare = c.buf;
    }
  }

  /** The kept events with ts >= sinceNs, oldest first: a copy of their records (one buffer per chunk), decoded slice by slice when read. */
  from(sinceNs: number): RingEvents {
    let n = 0;
    for (const c of this.chunks) for (let i = c.head; i < c.count; i++) if (c.ts[i]! >= sinceNs) n++;
    const bufs: Buffer[] = [];
    const seg = new Uint32Array(n);
    const ts = new Float64Array(n);
    const offs = new Uint32Array(n);
    let k = 0;
    for (const c of this.chunks) {
      let bytes = 0;
      for (let i = c.head; i < c.count; i++) if (c.ts[i]! >= sinceNs) bytes += (i + 1 < c.count ? c.offs[i + 1]! : c.end) - c.offs[i]!;
      if (!bytes) continue;
      const buf = Buffer.allocUnsafeSlow(bytes);
      let at = 0;
      // copy runs of consecutive kept records at once
      let runStart = -1;
      for (let i = c.head; i <= c.count; i++) {
        const take = i < c.count && c.ts[i]! >= sinceNs;
        if (take) {
          if (runStart < 0) runStart = c.offs[i]!;
          seg[k] = bufs.length;
          ts[k] = c.ts[i]!;
          offs[k++] = at + c.offs[i]! - runStart;
        } else if (runStart >= 0) {
          const end = i < c.count ? c.offs[i]! : c.end;
          c.buf.copy(buf, at, runStart, end);
          at += end - runStart;
          runStart = -1;
        }
      }
      bufs.push(buf);
    }
    return new RingEvents(this.codec, bufs, seg, ts, offs);
  }
}

/**
 * Events a snapshot took from the ring: their records copied out (so later
 * evictions do not touch them), decoded only when read, a slice at a time,
 * so a look-back of a million events never holds a million objects at once.
 */
export class RingEvents {
  constructor(
    private readonly codec: EventCodec,
    private readonly bufs: Buffer[],
    /** Per event: which buffer holds its record. */
    private readonly seg: Uint32Array,
    private readonly ts: Float64Array,
    private readonly offs: Uint32Array,
  ) {}

  /** How many events. */
  get length(): number {
    return this.ts.length;
  }

  /** Events [start, end) decoded, like Array.prototype.slice. */
  slice(start = 0, end = this.length): TraceEvent[] {
    const out: TraceEvent[] = [];
    const to = Math.min(end, this.length);
    for (let i = Math.max(0, start); i < to; i++) out.push(this.codec.read(this.bufs[this.seg[i]!]!, this.offs[i]!, this.ts[i]!));
    return out;
  }

  /** Event i decoded. */
  at(i: number): TraceEvent | undefined {
    return i >= 0 && i < this.length ? this.codec.read(this.bufs[this.seg[i]!]!, this.offs[i]!, this.ts[i]!) : undefined;
  }

  /** Every event decoded (tests, small windows). */
  toArray(): TraceEvent[] {
    return this.slice();
  }
}

/** The bytes an event takes in the ring (its record and index entry). */
export function ringBytesOf(e: TraceEvent): number {
  return new EventArena(1024).push(e);
}
