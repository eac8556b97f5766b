import { textOf } from './bytes.js';
import { FilterError } from './filter-error.js';
import type { ByteString } from './types.js';

/** A path filter value: `/etc/` (prefix), `/etc/passwd` (exact), `*.so` or `/tmp/*x*` (glob). */
export interface PathPattern {
  text: string;
  test(path: string): boolean;
}

/** Parses a `path=` value. */
export function parsePathPattern(value: string): PathPattern {
  if (value === '') throw new FilterError("path: empty value (e.g. path=/etc/ for everything under /etc)");
  if (value.includes('*') || value.includes('?')) {
    const re = new RegExp(
      '^' + value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$',
      's',
    );
    return { text: value, test: (p) => re.test(p) };
  }
  if (value.endsWith('/')) return { text: value, test: (p) => p.startsWith(value) };
  return { text: value, test: (p) => p === value };
}

/** True when any of the paths matches any pattern. */
export function anyPathMatches(paths: (ByteString | null | undefined)[], patterns: PathPattern[]): boolean {
  for (const p of paths) {
    if (p === null || p === undefined) continue;
    const t = textOf(p);
    for (const pat of patterns) if (pat.test(t)) return true;
  }
  return false;
}
