import type { Ring } from './event-window.js';

/**
 * `/term`: the index of the newest row at or before `from` whose text holds
 * `term` (case-insensitively), or -1.
 */
export function searchOlder(rows: Ring, from: number, term: string, textOf: (i: number) => string): number {
  const needle = term.toLowerCase();
  for (let i = Math.min(from, rows.length - 1); i >= 0; i--) if (textOf(i).toLowerCase().includes(needle)) return i;
  return -1;
}
