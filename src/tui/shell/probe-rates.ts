import type { Attachment, ProbeCounters } from '../../engine/index.js';
import { degradedTotal, lostTotal } from '../../engine/losses.js';

/** Per-probe figures for the status line. */
export interface ProbeStatus {
  name: string;
  filters: string;
  rate: number;
  /** Events lost (never delivered). */
  lost: number;
  /** Events delivered degraded (string_fault, truncated): shown apart, never as lost. */
  degraded: number;
  /** True when a loss counter moved in the last few seconds. */
  lossMoving: boolean;
}

/** How long a loss stays "moving" (red) after its counter last rose. */
const LOSS_HOT_MS = 5000;

/** Events/s and loss movement per probe, from counters sampled about once a second. */
export class ProbeRates {
  private last = new Map<string, { at: number; events: number; lost: number; degraded: number; movedAt: number; rate: number }>();

  /** Takes one sample of the engine's counters. */
  sample(counters: readonly ProbeCounters[], now = Date.now()): void {
    for (const c of counters) {
      const lost = lostTotal(c.losses);
      const prev = this.last.get(c.probe);
      const dt = prev ? now - prev.at : 0;
      const rate = prev && dt > 0 ? ((c.events - prev.events) * 1000) / dt : 0;
      const movedAt = prev ? (lost > prev.lost ? now : prev.movedAt) : lost > 0 ? now : 0;
      this.last.set(c.probe, { at: now, events: c.events, lost, degraded: degradedTotal(c.losses), movedAt, rate });
    }
  }

  /** The status of each attachment, with the figures of the last sample. */
  status(attachments: readonly Attachment[], now = Date.now()): ProbeStatus[] {
    return attachments.map((a) => {
      const c = this.last.get(a.probe.name);
      return {
        name: a.probe.name,
        filters: a.filters.clauses.map((cl) => cl.text).join(' '),
        rate: c?.rate ?? 0,
        lost: c?.lost ?? 0,
        degraded: c?.degraded ?? 0,
        lossMoving: !!c && c.movedAt > 0 && now - c.movedAt < LOSS_HOT_MS,
      };
    });
  }
}
