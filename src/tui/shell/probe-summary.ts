import type { Attachment } from '../../engine/index.js';
import { keysNotApplying, type Filters } from '../../event/index.js';
import type { ProbeStatus } from './probe-rates.js';

/** Up to this many attached probes, the status line lists each; beyond, it sums them up (a profile attaches ~18). */
export const LIST_EACH_UP_TO = 4;

/** One running probe as the status line shows it. */
export interface ProbeLine extends ProbeStatus {
  /** Attached by the program for itself (the capture's process table), not by the user. */
  background?: boolean;
  /** Keys of its kernel or view filter that do not apply to it (it lacks the field, so its events pass those clauses). */
  notApplying?: string[];
}

/** What the status line shows of the running probes. */
export interface ProbeSummary {
  /** The user's probes as one group (null when each is listed): how many, their common filters, total rate, the busiest, and how many each not-applying key skips. */
  group: { count: number; filters: string; rate: number; busiest: ProbeLine[]; notApplying: { key: string; count: number }[] } | null;
  /** The user's probes listed on their own: every one when few; else those with their own filters, losses or degraded deliveries. */
  listed: ProbeLine[];
  /** Probes the program attached for itself, always listed, apart. */
  background: ProbeLine[];
}

/**
 * The status of every running probe, the program's own included (marked
 * background), each with the filter keys that do not apply to it: those of
 * its kernel filters and those of the view filter (not for background
 * probes, whose events the view does not show).
 */
export function probeLines(attachments: readonly Attachment[], status: readonly ProbeStatus[], isBackground: (probe: string) => boolean, view: Filters | null): ProbeLine[] {
  return status.map((s, i) => {
    const a = attachments[i]!;
    const background = isBackground(a.probe.name);
    const notApplying = [...new Set([...keysNotApplying(a.filters, a.probe), ...(view && !background ? keysNotApplying(view, a.probe) : [])])];
    return { ...s, background, notApplying };
  });
}

/** `tcpconnect (path n/a)`, `procsnoop (for the capture)`: the name with what the reader must know about it. */
export function probeLabel(p: ProbeLine): string {
  const notes = [...(p.background ? ['for the capture'] : []), ...(p.notApplying?.length ? [`${p.notApplying.join(', ')} n/a`] : [])];
  return notes.length ? `${p.name} (${notes.join('; ')})` : p.name;
}

/** `path n/a to 15`: the group's keys that skip some of its probes. */
export function groupNotApplyingText(n: { key: string; count: number }[]): string {
  return n.map((x) => `${x.key} n/a to ${x.count}`).join(', ');
}

/**
 * Sums up many attached probes so the status line keeps room for the
 * capture and the view state, while no loss, degraded delivery,
 * probe-specific filter or probe the program runs for itself is hidden in
 * the sum.
 */
export function summarizeProbes(all: readonly ProbeLine[]): ProbeSummary {
  const background = all.filter((p) => p.background);
  const probes = all.filter((p) => !p.background);
  if (probes.length <= LIST_EACH_UP_TO) return { group: null, listed: [...probes], background };
  const byFilters = new Map<string, number>();
  for (const p of probes) byFilters.set(p.filters, (byFilters.get(p.filters) ?? 0) + 1);
  const filters = [...byFilters].sort((a, b) => b[1] - a[1])[0]![0];
  const listed = probes.filter((p) => p.filters !== filters || p.lost > 0 || p.degraded > 0);
  const busiest = probes
    .filter((p) => !listed.includes(p) && p.rate > 0)
    .sort((a, b) => b.rate - a.rate)
    .slice(0, 3);
  const rate = probes.reduce((t, p) => t + p.rate, 0);
  const skipped = new Map<string, number>();
  for (const p of probes) if (!listed.includes(p)) for (const k of p.notApplying ?? []) skipped.set(k, (skipped.get(k) ?? 0) + 1);
  const notApplying = [...skipped].map(([key, count]) => ({ key, count }));
  return { group: { count: probes.length, filters, rate, busiest, notApplying }, listed, background };
}
