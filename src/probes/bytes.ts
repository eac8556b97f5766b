import { isUtf8 } from 'node:buffer';
import type { ByteString } from './types.js';

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/** Text when the bytes are valid UTF-8, else a copy of the exact bytes. */
export function toByteString(bytes: Uint8Array): ByteString {
  if (bytes.length === 0) return '';
  // ASCII fast path: most paths and comms.
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1.decode(bytes);
  return isUtf8(bytes) ? utf8.decode(bytes) : Uint8Array.from(bytes);
}

/** Bytes up to the first NUL (C strings in fixed arrays). */
export function cString(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** Splits NUL-separated strings (argv), ignoring one trailing NUL. */
export function splitNul(bytes: Uint8Array): ByteString[] {
  const out: ByteString[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(toByteString(bytes.subarray(start, i)));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(toByteString(bytes.subarray(start)));
  return out;
}

/** Exact bytes of a ByteString. */
export function bytesOf(s: ByteString): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
}

/** Lossy text of a ByteString, for matching (invalid bytes become U+FFFD). */
export function textOf(s: ByteString): string {
  return typeof s === 'string' ? s : utf8.decode(s);
}
