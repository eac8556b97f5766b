import { KERNEL_LOSS_CAUSES } from './maps.js';

/**
 * Every cause counted per probe. Kernel causes first, then the reader's
 * (queue_overflow: JS had too much pending; handoff_failed: a batch could not
 * be handed to JS), then the engine's (decode_error; listener_error: a
 * consumer threw on the batch that held the event).
 */
export const LOSS_CAUSES = [...KERNEL_LOSS_CAUSES, 'queue_overflow', 'handoff_failed', 'decode_error', 'listener_error'] as const;
/** One loss cause. */
export type LossCause = (typeof LOSS_CAUSES)[number];

/**
 * Causes counted on events that were delivered, degraded (a string that
 * faulted while read, a cut field): each such event is also in the event
 * count, so these are never added to what was lost.
 */
export const DELIVERED_CAUSES: ReadonlySet<string> = new Set(['string_fault', 'truncated']);

/** Causes that belong to no probe (the record's probe cannot be trusted). */
export const SESSION_LOSS_CAUSES = ['framing_error'] as const;

/** True when `cause` counts events that were delivered (degraded), not lost. */
export function isDeliveredCause(cause: string): boolean {
  return DELIVERED_CAUSES.has(cause);
}

/** Events lost, over the causes of `losses` that are real losses. */
export function lostTotal(losses: Record<string, number>): number {
  let n = 0;
  for (const [cause, v] of Object.entries(losses)) if (!DELIVERED_CAUSES.has(cause)) n += v;
  return n;
}

/** Events delivered degraded (string_fault, truncated). */
export function degradedTotal(losses: Record<string, number>): number {
  let n = 0;
  for (const [cause, v] of Object.entries(losses)) if (DELIVERED_CAUSES.has(cause)) n += v;
  return n;
}
