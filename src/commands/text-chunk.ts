/**
 * A growable byte buffer that text output is formatted straight into: one
 * chunk per batch of events, written with one write. Strings go in as
 * UTF-8, exactly as Buffer.from(string) would encode them; an ASCII string
 * (nearly every field of a storm) is copied byte by byte in JS, so no rope
 * of per-event strings is built and flattened, and no temporary Buffer is
 * made per write (measured: the string-to-Buffer conversion of a batch was
 * ~30% of `trace > file`'s main-thread CPU).
 */
export class TextChunk {
  private buf: Buffer;
  /** Bytes used so far. */
  length = 0;

  constructor(initialBytes = 256 << 10) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Room for `n` more bytes (grows by doubling; what is in it is kept). */
  private reserve(n: number): Buffer {
    if (this.length + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    return this.buf;
  }

  /** Appends `s` as UTF-8. */
  str(s: string): void {
    const n = s.length;
    // At most 3 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units).
    const b = this.reserve(n * 3);
    let o = this.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.length = o + b.write(i === 0 ? s : s.slice(i), o, 'utf8');
        return;
      }
      b[o++] = c;
    }
    this.length = o;
  }

  /**
   * Appends `s` as str() does, remembering its bytes in `slot`: the same
   * string again (a storm repeats its process columns, path and flags) is one
   * compare and one copy of the kept bytes, not a walk over its characters.
   */
  strAt(slot: RepeatSlot, s: string): void {
    if (slot.text === s) {
      const n = slot.bytes.length;
      this.reserve(n).set(slot.bytes, this.length);
      this.length += n;
      return;
    }
    const from = this.length;
    this.str(s);
    this.keptAs(slot, s, from);
  }

  /** Keeps the bytes appended since `from` in `slot`, under `text` (what they were made from, e.g. before escaping). */
  keptAs(slot: RepeatSlot, text: string, from: number): void {
    slot.text = text;
    // A copy: the chunk's memory is reused batch after batch (Buffer#slice would be a view of it).
    const kept = slot.bytes.length === this.length - from ? slot.bytes : new Uint8Array(this.length - from);
    kept.set(this.buf.subarray(from, this.length));
    slot.bytes = kept;
  }

  /** Appends one byte (a newline, a space). */
  byte(c: number): void {
    this.reserve(1)[this.length++] = c;
  }

  /** Appends the decimal digits of a non-negative integer below 2^53, left-padded with spaces to `width`. */
  uintPadStart(v: number, width: number): void {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    const pad = width > digits ? width - digits : 0;
    const b = this.reserve(pad + digits);
    let o = this.length;
    for (let i = 0; i < pad; i++) b[o++] = 0x20;
    o += digits;
    this.length = o;
    let x = v;
    do {
      b[--o] = 0x30 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
  }

  /** The bytes so far, as a view (no copy), and a fresh start: the view is overwritten by later appends unless abandon() is called. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.length);
    this.length = 0;
    return out;
  }

  /** The last taken bytes are still in use (a stream queued them): later appends go to new memory. */
  abandon(): void {
    this.buf = Buffer.allocUnsafe(this.buf.length);
  }
}

/** The last string a call site appended, and its UTF-8 bytes (see TextChunk.strAt). */
export class RepeatSlot {
  text: string | undefined = undefined;
  bytes: Uint8Array = new Uint8Array(0);
}
