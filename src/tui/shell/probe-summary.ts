import type { ProbeStatus } from './probe-rates.js';

/** Up to this many attached probes, the status line lists each; beyond, it sums them up (a profile attaches ~18). */
export const LIST_EACH_UP_TO = 4;

/** What the status line shows of the attached probes. */
export interface ProbeSummary {
  /** All probes as one group (null when each is listed): how many, their common filters, total rate, the busiest. */
  group: { count: number; filters: string; rate: number; busiest: ProbeStatus[] } | null;
  /** Probes listed on their own: every one when few; else those with their own filters, losses or degraded deliveries. */
  listed: ProbeStatus[];
}

/**
 * Sums up many attached probes so the status line keeps room for the
 * capture and the view state, while no loss, degraded delivery or
 * probe-specific filter is hidden in the sum.
 */
export function summarizeProbes(probes: readonly ProbeStatus[]): ProbeSummary {
  if (probes.length <= LIST_EACH_UP_TO) return { group: null, listed: [...probes] };
  const byFilters = new Map<string, number>();
  for (const p of probes) byFilters.set(p.filters, (byFilters.get(p.filters) ?? 0) + 1);
  const filters = [...byFilters].sort((a, b) => b[1] - a[1])[0]![0];
  const listed = probes.filter((p) => p.filters !== filters || p.lost > 0 || p.degraded > 0);
  const busiest = probes
    .filter((p) => !listed.includes(p) && p.rate > 0)
    .sort((a, b) => b.rate - a.rate)
    .slice(0, 3);
  const rate = probes.reduce((t, p) => t + p.rate, 0);
  return { group: { count: probes.length, filters, rate, busiest }, listed };
}
