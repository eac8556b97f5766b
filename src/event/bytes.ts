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
