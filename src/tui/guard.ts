const UNSAFE = /[\u0000-\u001f\u007f-\u009f\p{Cf}\u2028\u2029\p{Cs}]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

/**
 * Last line of defence before ink: traced strings are already escaped by
 * escapeTerminal; this replaces any control, format (Cf: bidi, zero-width) character a caller might
 * have let through, so no line can reach the terminal raw.
 */
export function guard(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, '\ufffd') : s;
}
