const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/**
 * Last line of defence before ink: traced strings are already escaped by
 * escapeTerminal; this replaces any control or bidi character a caller might
 * have let through, so no line can reach the terminal raw.
 */
export function guard(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, '\ufffd') : s;
}
