import { FULL_COLUMNS, fixedWidth, type EventColumns } from '../../commands/event-format.js';

/** Columns DETAIL keeps before the table gives up another column for it (an 80-column terminal gives up PPID for them). */
export const MIN_DETAIL = 20;

/**
 * The layouts a shrinking terminal falls back to, in order: PPID, then UID go
 * first (the detail pane shows both), then PROBE and COMM narrow (a probe's
 * table name is at most 8 long), then the time loses its milliseconds.
 */
const FALLBACKS: readonly EventColumns[] = (() => {
  const noPpid = { ...FULL_COLUMNS, ppid: false };
  const noUid = { ...noPpid, uid: false };
  const probe8 = { ...noUid, probeWidth: 8 };
  const comm10 = { ...probe8, commWidth: 10 };
  return [FULL_COLUMNS, noPpid, noUid, probe8, comm10, { ...comm10, millis: false }];
})();

/** The event table's columns for a terminal `width` wide: the widest layout that leaves DETAIL at least MIN_DETAIL columns, else the narrowest. */
export function columnsFor(width: number): EventColumns {
  return FALLBACKS.find((c) => width - fixedWidth(c) >= MIN_DETAIL) ?? FALLBACKS.at(-1)!;
}
