import { KERNEL_KEYS, compileMatcher, filtersText, parseFilters, type TraceEvent } from '../../event/index.js';
import { PROBES, type ProbeSpec } from '../../probes/index.js';
import type { ProcessBook } from '../../session/index.js';
import type { ViewFilter } from './types.js';

/**
 * Compiles `:filter` words into a view filter over every probe. A probe key
 * (path=, dport=) applies to the probes that have it; events of the others
 * do not match, so `:filter path=/etc/` shows exec and open, hides connect.
 */
export function compileViewFilter(words: string[], processes: ProcessBook): ViewFilter {
  const probeKeys = words
    .map((w) => /^([a-z_]+)!?=/.exec(w)?.[1])
    .filter((k): k is string => !!k && !(KERNEL_KEYS as readonly string[]).includes(k));
  const fitting = PROBES.filter((p) => probeKeys.every((k) => p.filterKeys[k]));
  // Parse against every probe when none fits, for the grammar's own clear error.
  const filters = parseFilters(words, fitting.length ? fitting : PROBES);
  const matchers = new Map<string, ((e: TraceEvent) => boolean) | null>();
  const descends = (pid: number, root: number) => processes.descends(pid, root);
  for (const p of fitting as ProbeSpec[]) matchers.set(p.name, compileMatcher(filters, p, { all: true, descends }));
  return {
    text: filtersText(filters),
    filters,
    match(e) {
      const m = matchers.get(e.probe);
      if (m === undefined) return false;
      return m === null || m(e);
    },
  };
}
