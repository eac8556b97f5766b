import type { ByteString } from '../event/types.js';

/**
 * The one function that makes traced-system strings safe for a terminal:
 * C0/DEL, C1 (e.g. 0x9B CSI), every Unicode format character (category Cf:
 * bidi controls, zero-width space/joiners, U+2060-U+2064, BOM, soft hyphen,
 * tag characters U+E0001-U+E007F, ...), line/paragraph separators, lone
 * surrogates and invalid UTF-8 become visible escapes; a backslash is doubled
 * so the result is unambiguous. `/etc/pass\u200dwd` never looks like
 * `/etc/passwd`. Stored data is never escaped, only what is shown.
 */
export function escapeTerminal(value: ByteString): string {
  if (typeof value === 'string') return escapeText(value);
  return escapeBytes(value);
}

const NAMED: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x1b: '\\e', 0x5c: '\\\\' };

/** Invisible or reordering code points above C1: format (Cf), separators (Zl, Zp), lone surrogates (Cs). */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
/** Everything escapeText escapes, for one pass over a string. */
const UNSAFE_TEXT = /[\u0000-\u001f\\\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

function needsEscape(cp: number): boolean {
  if (cp < 0x20 || cp === 0x5c || (cp >= 0x7f && cp <= 0x9f)) return true;
  return cp >= 0xad && INVISIBLE.test(String.fromCodePoint(cp));
}

function escapeCodePoint(cp: number): string {
  const named = NAMED[cp];
  if (named) return named;
  if (cp < 0x80) return '\\x' + cp.toString(16).padStart(2, '0');
  return '\\u{' + cp.toString(16) + '}';
}

function escapeText(s: string): string {
  // Fast path: printable ASCII only.
  let clean = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x5c) {
      clean = false;
      break;
    }
  }
  if (clean) return s;
  // One pass by code point (the u flag): astral format characters (tags) and lone surrogates included.
  return s.replace(UNSAFE_TEXT, (ch) => escapeCodePoint(ch.codePointAt(0)!));
}

// Decodes UTF-8 by hand so each invalid byte shows as \xNN.
function escapeBytes(b: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let cp = -1;
    let n = 0;
    if (c < 0x80) {
      cp = c;
      n = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    }
    if (n > 1) {
      let ok = i + n <= b.length;
      for (let k = 1; ok && k < n; k++) {
        const cc = b[i + k]!;
        if ((cc & 0xc0) !== 0x80) ok = false;
        else cp = (cp << 6) | (cc & 0x3f);
      }
      const min = n === 2 ? 0x80 : n === 3 ? 0x800 : 0x10000;
      if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        cp = -1;
        n = 1;
      }
    }
    if (cp < 0) {
      out += '\\x' + c.toString(16).padStart(2, '0');
      i += 1;
      continue;
    }
    out += needsEscape(cp) ? escapeCodePoint(cp) : String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

/** What safeJson escapes beyond JSON.stringify: DEL, C1, format characters (Cf) and separators. */
const UNSAFE_JSON = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/**
 * JSON for machine output that is also safe to print: JSON.stringify already
 * escapes C0 and lone surrogates; this also escapes DEL, C1, every format
 * character (bidi, zero-width, tags: as a \uXXXX surrogate pair) and the
 * separators, so the same value parses back.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer).replace(UNSAFE_JSON, (ch) => {
    let out = '';
    for (let i = 0; i < ch.length; i++) out += '\\u' + ch.charCodeAt(i).toString(16).padStart(4, '0');
    return out;
  });
}

/** Invalid-UTF-8 strings travel in JSON as {"base64": ...}, exact bytes. */
function jsonReplacer(this: Record<string, unknown>, key: string, v: unknown): unknown {
  const original = this[key]; // before Buffer#toJSON ran
  if (original instanceof Uint8Array) return { base64: Buffer.from(original).toString('base64') };
  return v;
}
