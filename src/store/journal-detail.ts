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

/** The detail (prefix) of journal rows a capture took from the shell's ring of the minutes before recording. */
export const LOOK_BACK_DETAIL = 'look-back';

/** True for a journal row of the look-back window (what was attached before recording began). */
export function isLookBack(row: { detail: unknown }): boolean {
  return typeof row.detail === 'string' && (row.detail === LOOK_BACK_DETAIL || row.detail.startsWith(`${LOOK_BACK_DETAIL};`) || row.detail.startsWith(`${LOOK_BACK_DETAIL} `));
}
