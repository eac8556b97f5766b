import type { Attachment } from '../engine/index.js';
import type { Filters } from '../event/index.js';
import { processTableProbe, type ProbeSpec } from '../probes/index.js';
import { BACKGROUND_ATTACH_DETAIL, type Recorder } from '../store/index.js';

/** What attaching needs of an engine (the live Engine, or a test's fake). */
export interface AttachingEngine {
  attach(probe: ProbeSpec, filters: Filters): Attachment;
  attachments(): Attachment[];
}

/** How the capture's own process-table probe fared. */
export type ProcessTableAttach =
  | { state: 'attached'; attachment: Attachment }
  | { state: 'already' }
  | { state: 'none' }
  | { state: 'failed'; probe: ProbeSpec; message: string };

/**
 * Attaches the probe whose role is 'process-table' for a capture, unfiltered
 * and journaled as background (hidden from the view, flagged in the journal),
 * unless the user has it attached already; then seeds the process table from
 * /proc, so nothing forks unseen in between. A failure is journaled as an
 * error (the process table then holds what /proc shows now), never silent.
 */
export function attachProcessTable(engine: AttachingEngine, rec: Recorder, userProbes: readonly ProbeSpec[] = []): ProcessTableAttach {
  const probe = processTableProbe();
  let result: ProcessTableAttach;
  if (!probe) result = { state: 'none' };
  else if (userProbes.includes(probe) || engine.attachments().some((a) => a.probe === probe)) result = { state: 'already' };
  else {
    try {
      const attachment = engine.attach(probe, { clauses: [] });
      rec.journalAttach(attachment, BACKGROUND_ATTACH_DETAIL);
      result = { state: 'attached', attachment };
    } catch (e) {
      const message = `the process table will only hold processes running now: ${(e as Error).message}`;
      rec.journalError(`${probe.name} could not attach: ${message}`, probe);
      result = { state: 'failed', probe, message };
    }
  }
  rec.seedProcesses();
  return result;
}
