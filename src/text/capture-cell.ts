import { formatRet } from './errno.js';
import { escapeTerminal } from './escape.js';

/** Any value read from a capture, as escaped text: numbers as they are, null as `?`, anything else (text in an INTEGER column) escaped. */
export function captureCell(v: unknown): string {
  if (v === null || v === undefined) return '?';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return escapeTerminal(v instanceof Uint8Array ? Uint8Array.from(v) : String(v));
}

/** A capture value as escaped text, null as empty. */
export function captureText(v: unknown): string {
  return escapeTerminal(v instanceof Uint8Array ? Uint8Array.from(v) : String(v ?? ''));
}

/** formatRet for a capture's ret column, whatever it holds. */
export function captureRet(v: unknown): string {
  return typeof v === 'number' ? formatRet(v) : captureCell(v);
}
