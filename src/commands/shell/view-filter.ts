import { clauseApplies, compileMatcher, filtersText, parseFilters, type FilterTarget, type TraceEvent } from '../../event/index.js';
import { PROBES } from '../../probes/index.js';
import type { ProcessBook } from '../../session/index.js';
import type { ViewFilter } from './types.js';

/**
 * Compiles `:filter` words into a view filter over every probe, with the one
 * rule of the grammar: a probe key (path=, dport=) applies to the probes that
 * have it and not to the others, whose events pass that clause; so
 * `:filter path!=/usr/` hides library opens and keeps every connect. A key no
 * probe has is an error.
 */
export function compileViewFilter(words: string[], processes: ProcessBook): ViewFilter {
  const filters = parseFilters(words, PROBES);
  const matchers = new Map<string, ((e: TraceEvent) => boolean) | null>();
  const descends = (pid: number, root: number) => processes.descends(pid, root);
  for (const p of PROBES) matchers.set(p.name, compileMatcher(filters, p, { all: true, descends }));
  return {
    text: filtersText(filters),
    filters,
    match(e) {
      const m = matchers.get(e.probe);
      // A probe this build does not know (an old capture's): only its common fields could be judged, and it has no matcher; show it.
      if (m === undefined) return true;
      return m === null || m(e);
    },
  };
}

/**
 * Warnings for a view filter over `shown` (the probes whose events reach the
 * view): one line per probe key that none of them has, naming the probes that
 * do; the clause hides nothing until one of those is attached.
 */
export function viewFilterWarnings(filter: ViewFilter, shown: readonly FilterTarget[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of filter.filters.clauses) {
    if (seen.has(c.key) || shown.some((p) => clauseApplies(c, p))) continue;
    seen.add(c.key);
    const having = PROBES.filter((p) => p.filterKeys[c.key]).map((p) => p.name);
    const what = shown.length ? `no attached probe has ${c.key}` : 'no probe is attached';
    out.push(`warning: ${what} (${having.join(', ')} ${having.length > 1 ? 'have' : 'has'} it): ${c.text} hides nothing for now`);
  }
  return out;
}
