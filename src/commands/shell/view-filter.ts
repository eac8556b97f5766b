import { KERNEL_KEYS, clauseApplies, compileMatcher, filtersText, parseFilters, type FilterTarget, type Filters, type TraceEvent } from '../../event/index.js';
import { PROBES } from '../../probes/index.js';
import type { ProcessBook } from '../../session/index.js';
import type { ViewFilter } from './types.js';

/**
 * Compiles `:filter` words into a view filter over every probe, with the one
 * rule of the grammar: a probe key (path=, dport=) applies to the probes that
 * have it and not to the others, whose events pass that clause; so
 * `:filter path!=/usr/` hides library opens and keeps every connect. A key no
 * probe has is an error. Values are checked against the `shown` probes that
 * have the key (each probe reads port, flags, sig its own way), or against
 * every probe with the key when none shown has it.
 */
export function compileViewFilter(words: string[], processes: ProcessBook, shown: readonly FilterTarget[] = []): ViewFilter {
  const keys = words.map((w) => /^([a-z_]+)!?=/.exec(w)?.[1]).filter((k): k is string => !!k && !(KERNEL_KEYS as readonly string[]).includes(k));
  const unshown = keys.filter((k) => !shown.some((p) => p.filterKeys[k]));
  const readers = PROBES.filter((p) => shown.some((s) => s.name === p.name) || unshown.some((k) => p.filterKeys[k]));
  // A key no probe has: parsed against them all, for the grammar's error with every key and a near miss.
  const unknown = keys.some((k) => !PROBES.some((p) => p.filterKeys[k]));
  const filters = parseFilters(words, unknown || !readers.length ? PROBES : readers);
  const matchers = new Map<string, ((e: TraceEvent) => boolean) | null>();
  const descends = (pid: number, root: number) => processes.descends(pid, root);
  for (const p of PROBES) matchers.set(p.name, compileMatcher(readable(filters, p), p, { all: true, descends }));
  return {
    text: filtersText(filters),
    filters,
    match(e) {
      const m = matchers.get(e.probe);
      // A probe this build does not know (an old capture's) has no matcher: show it.
      if (m === undefined) return true;
      return m === null || m(e);
    },
  };
}

/** `filters` less the clauses whose values `probe` cannot read (it was not among the probes they were checked against): they cannot apply to it. */
function readable(filters: Filters, probe: FilterTarget): Filters {
  return {
    clauses: filters.clauses.filter((c) => {
      const spec = probe.filterKeys[c.key];
      if (!spec || !c.raw) return true;
      try {
        for (const t of c.raw) spec.parse(t);
        return true;
      } catch {
        return false;
      }
    }),
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
