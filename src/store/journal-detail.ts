/**
 * The journal `detail` that opens an attach the capture made by itself, for
 * its process table (the probe whose role is 'process-table'). Captures of
 * every schema version carry it at the start of `detail` ("process table",
 * maybe followed by "; ..."), so it is the typed `background` flag of a
 * journal row without a schema change: readers derive the flag here, and
 * nothing else matches the text.
 */
export const BACKGROUND_ATTACH_DETAIL = 'process table';

/** True when a journal row is an attach the capture made for itself (hidden from the view, shown by `:probes`). */
export function isBackgroundAttach(row: Readonly<Record<string, unknown>>): boolean {
  return row.action === 'attach' && typeof row.detail === 'string' && (row.detail === BACKGROUND_ATTACH_DETAIL || row.detail.startsWith(`${BACKGROUND_ATTACH_DETAIL};`));
}
