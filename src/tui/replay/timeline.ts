import type { ReplayNote } from '../../session/index.js';
import { isDeliveredCause } from '../../engine/losses.js';
import { escapeTerminal } from '../../text/index.js';
import type { CaptureInfo, CaptureReader } from '../../store/index.js';
import { coverageFromJournal } from '../dashboard/capture-feed.js';
import type { Coverage } from '../dashboard/dashboard-model.js';

/** A loss interval of the capture (probe null: every probe, e.g. the recorder died). */
export interface LossSpan {
  probe: string | null;
  cause: string;
  startNs: number;
  endNs: number | null;
  count: number | null;
}

/** What the timeline strip draws: coverage per probe, losses, notes and the recorder's gap. */
export interface TimelineData {
  startNs: number;
  endNs: number;
  /** Probes in the order their rows appear: those attached or with events. */
  probes: string[];
  /** Probes the capture has a table for that were never attached and have no events ("nothing was watched"). */
  unwatched?: string[];
  coverage: Coverage[];
  losses: LossSpan[];
  notes: ReplayNote[];
  gap: { startNs: number; endNs: number | null } | null;
}

/** One row of the strip: a label and one character per cell. */
export interface TimelineRow {
  label: string;
  cells: string;
  /** Cells that show a loss or the gap (drawn red). */
  alarm: boolean[];
}

/** Cell characters. */
export const CELL = { attached: '█', detached: '·', loss: '×', gap: '░', note: '▼', empty: '─' } as const;

/**
 * The static part of the timeline: coverage from the journal (synchronous),
 * loss intervals (through the reader's query process, so it never blocks the
 * first screen). `info` is the reader's, already read: it counts every table.
 */
export async function loadTimeline(reader: CaptureReader, info: CaptureInfo, span: { startNs: number; endNs: number }, probes: string[], notes: ReplayNote[]): Promise<TimelineData> {
  const coverage = coverageFromJournal(reader.journal(), info.endNs ?? span.endNs).filter((c) => probes.includes(c.probe));
  let losses: LossSpan[] = [];
  try {
    const r = await reader.query("SELECT probe, cause, start_ns, end_ns, count FROM losses WHERE (count IS NULL OR count > 0) AND typeof(start_ns) = 'integer' ORDER BY start_ns", { maxRows: 100_000 });
    losses = r.rows.filter(([, cause]) => !isDeliveredCause(String(cause))).map(([probe, cause, startNs, endNs, count]) => ({ probe: probe === null ? null : String(probe), cause: String(cause), startNs: startNs as number, endNs: typeof endNs === 'number' ? endNs : null, count: typeof count === 'number' ? count : null }));
  } catch {
    // the strip then shows coverage and notes only; :info still lists the losses
  }
  // a row per probe attached or with events: a capture has a table for every probe its build knew
  const withEvents = new Set(reader.schema.probes.filter((p) => (info.counts[p.table] ?? 0) > 0).map((p) => p.name));
  const order = [...new Set([...coverage.map((c) => c.probe), ...probes.filter((p) => withEvents.has(p))])];
  const unwatched = probes.filter((p) => !order.includes(p));
  return { startNs: span.startNs, endNs: span.endNs, probes: order, unwatched, coverage, losses, notes, gap: info.gap };
}

/** The strip's rows for `cells` columns: one per probe (attached, or with events), then losses, gap and notes, then the probes never watched. */
export function timelineRows(d: TimelineData, cells: number): TimelineRow[] {
  const n = Math.max(1, cells);
  const span = Math.max(1, d.endNs - d.startNs);
  const cellOf = (ns: number) => Math.max(0, Math.min(n - 1, Math.floor(((ns - d.startNs) / span) * n)));
  const paint = (row: string[], from: number, to: number | null, ch: string) => {
    const a = cellOf(from);
    const b = cellOf(to ?? d.endNs);
    for (let i = a; i <= b; i++) row[i] = ch;
  };
  const out: TimelineRow[] = [];
  for (const probe of d.probes) {
    const row = new Array<string>(n).fill(CELL.detached);
    for (const c of d.coverage) if (c.probe === probe) paint(row, c.fromNs, c.toNs, CELL.attached);
    const alarm = new Array<boolean>(n).fill(false);
    for (const l of d.losses)
      if (l.probe === probe) {
        const a = cellOf(l.startNs);
        const b = cellOf(l.endNs ?? l.startNs);
        for (let i = a; i <= b; i++) alarm[i] = true;
      }
    out.push({ label: escapeTerminal(probe), cells: row.join(''), alarm });
  }
  const marks = new Array<string>(n).fill(CELL.empty);
  const alarm = new Array<boolean>(n).fill(false);
  if (d.gap) {
    const a = cellOf(d.gap.startNs);
    const b = cellOf(d.gap.endNs ?? d.endNs);
    for (let i = a; i <= b; i++) {
      marks[i] = CELL.gap;
      alarm[i] = true;
    }
  }
  for (const l of d.losses) {
    const a = cellOf(l.startNs);
    const b = cellOf(l.endNs ?? l.startNs);
    for (let i = a; i <= b; i++) {
      marks[i] = CELL.loss;
      alarm[i] = true;
    }
  }
  for (const note of d.notes) marks[cellOf(note.ts)] = note.n < 10 ? String(note.n) : CELL.note;
  out.push({ label: 'losses/notes', cells: marks.join(''), alarm });
  // one line for the rest, so "nothing happened" stays apart from "nothing was watched"
  if (d.unwatched?.length) out.push({ label: 'not watched', cells: escapeTerminal(d.unwatched.join(', ')), alarm: [] });
  return out;
}

/** The cell of the replay position. */
export function positionCell(d: { startNs: number; endNs: number }, ns: number, cells: number): number {
  const span = Math.max(1, d.endNs - d.startNs);
  return Math.max(0, Math.min(cells - 1, Math.floor(((ns - d.startNs) / span) * cells)));
}
