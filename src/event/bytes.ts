import { isAscii, isUtf8 } from 'node:buffer';
import type { ByteString } from './types.js';

const utf8 = new TextDecoder('utf-8');

/** A Buffer view of the same bytes (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Text when the bytes are valid UTF-8, else a copy of the exact bytes. */
export function toByteString(bytes: Uint8Array): ByteString {
  if (bytes.length === 0) return '';
  const b = asBuffer(bytes);
  // Most paths and comms are ASCII: a native check and a native slice, nothing else.
  if (isAscii(b)) return b.toString('latin1');
  return isUtf8(b) ? b.toString('utf8') : Uint8Array.from(b);
}

/**
 * The string in buf[start, end) without copying into a view first: the hot
 * decode path (ASCII) is a byte scan and one native latin1 slice.
 */
export function stringAt(buf: Buffer, start: number, end: number): ByteString {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return toByteString(buf.subarray(start, end));
  return start === end ? '' : buf.toString('latin1', start, end);
}

/** The NUL-terminated string in buf[start, start + max). */
export function cStringAt(buf: Buffer, start: number, max: number): ByteString {
  let end = start;
  const limit = start + max;
  while (end < limit && buf[end] !== 0) end++;
  return stringAt(buf, start, end);
}

/** A DataView of the batch decoded last (one at a time, so one is kept). */
let viewed: Buffer | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
function dataViewOf(buf: Buffer): DataView<ArrayBufferLike> {
  if (buf !== viewed) {
    viewed = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return view;
}

/**
 * The last string decoded in each of a few slots, with its bytes: the same
 * bytes again (the same comm, the same path, as bursts of events repeat)
 * give back the same string, found by a byte compare instead of a new
 * string that is garbage a moment later. Only text is kept: exact bytes
 * (invalid UTF-8) are always a fresh copy, never shared between events.
 */
export class RepeatStrings {
  private readonly bytes: Uint8Array[] = [];
  private readonly keptViews: DataView[] = [];
  private readonly lens: number[] = [];
  private readonly strs: (string | undefined)[] = [];

  constructor(
    slots: number,
    /** Longer strings are decoded every time (comparing costs about as much as decoding then). */
    private readonly maxBytes = 256,
  ) {
    for (let i = 0; i < slots; i++) {
      const kept = new Uint8Array(maxBytes);
      this.bytes.push(kept);
      this.keptViews.push(new DataView(kept.buffer));
      this.lens.push(-1);
      this.strs.push(undefined);
    }
  }

  /** The string in buf[start, end), as stringAt gives it, kept in `slot`. */
  at(slot: number, buf: Buffer, start: number, end: number): ByteString {
    const n = end - start;
    const kept = this.bytes[slot]!;
    if (this.lens[slot] === n && this.keeps(slot, buf, start, n)) return this.strs[slot]!;
    const s = stringAt(buf, start, end);
    if (typeof s === 'string' && n <= this.maxBytes) {
      for (let i = 0; i < n; i++) kept[i] = buf[start + i]!;
      this.lens[slot] = n;
      this.strs[slot] = s;
    } else {
      this.lens[slot] = -1;
    }
    return s;
  }

  /** Whether buf[start, start + n) equals the bytes kept in `slot`: four at a time (~2-3x faster than one at a time for a path). */
  private keeps(slot: number, buf: Buffer, start: number, n: number): boolean {
    const kept = this.bytes[slot]!;
    let i = 0;
    if (n >= 8) {
      const v = dataViewOf(buf);
      const k = this.keptViews[slot]!;
      for (; i + 4 <= n; i += 4) if (v.getUint32(start + i, true) !== k.getUint32(i, true)) return false;
    }
    for (; i < n; i++) if (buf[start + i] !== kept[i]) return false;
    return true;
  }
}

/** NUL-separated strings in buf[start, end) (argv), ignoring one trailing NUL. */
export function splitNulAt(buf: Buffer, start: number, end: number): ByteString[] {
  const out: ByteString[] = [];
  let from = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === 0) {
      out.push(stringAt(buf, from, i));
      from = i + 1;
    }
  }
  if (from < end) out.push(stringAt(buf, from, end));
  return out;
}

/** Splits NUL-separated strings (argv), ignoring one trailing NUL. */
export function splitNul(bytes: Uint8Array): ByteString[] {
  return splitNulAt(asBuffer(bytes), 0, bytes.length);
}

/** Lossy text of a ByteString, for matching (invalid bytes become U+FFFD). */
export function textOf(s: ByteString): string {
  return typeof s === 'string' ? s : utf8.decode(s);
}
