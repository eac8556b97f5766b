import { DELIVERED_CAUSES } from '../../engine/losses.js';
import type { CaptureReader } from '../../store/index.js';
import { DashboardModel, WINDOW_SECONDS, type Coverage } from './dashboard-model.js';

/** Loss rows a chart can place: integer start and count, a probe. */
export const LOSS_ROWS_SQL =
  "SELECT probe, start_ns, count FROM losses WHERE typeof(count) = 'integer' AND count > 0 AND typeof(start_ns) = 'integer' AND probe IS NOT NULL " +
  // Delivered, degraded (string_fault, truncated): those events are in the capture, not lost.
  `AND cause NOT IN (${[...DELIVERED_CAUSES].map((c) => `'${c}'`).join(', ')}) ORDER BY start_ns`;

/** Attach/detach intervals per probe from a capture's journal (open ones end at `endNs`). */
export function coverageFromJournal(journal: Record<string, unknown>[], endNs: number | null): Coverage[] {
  const open = new Map<string, number>();
  const out: Coverage[] = [];
  for (const j of journal) {
    // A capture's values: any type. Labels are escaped where they are drawn.
    const probe = j.probe === null || j.probe === undefined ? null : String(j.probe);
    const ts = j.ts as number;
    if (!probe || typeof ts !== 'number') continue;
    if (j.action === 'attach' && !open.has(probe)) open.set(probe, ts);
    else if (j.action === 'detach' && open.has(probe)) {
      out.push({ probe, fromNs: open.get(probe)!, toNs: ts });
      open.delete(probe);
    }
  }
  for (const [probe, from] of open) out.push({ probe, fromNs: from, toNs: endNs });
  return out;
}

/**
 * Builds a dashboard model of a whole capture: buckets sized so its span
 * fits the chart, every event, every loss row, coverage from the journal.
 * Streams events, so memory stays bounded whatever the capture's size.
 * `onProgress` gets the count every 10,000 events, then the total with `done`.
 */
export async function modelOfCapture(r: CaptureReader, onProgress?: (events: number, done?: boolean) => void): Promise<DashboardModel> {
  const info = r.info();
  const end = info.endNs ?? info.gap?.startNs ?? info.startNs;
  const span = Math.max(1e9, end - info.startNs);
  const bucket = Math.max(10e6, Math.ceil(span / WINDOW_SECONDS / 10e6) * 10e6); // whole 10 ms steps
  const model = new DashboardModel(bucket);
  // Probes the capture attached for itself (its process table) are not what the responder watched: replay and live leave them out too.
  const journal = r.journal();
  const background = new Set(journal.filter((j) => j.background).map((j) => String(j.probe)));
  model.setCoverage(coverageFromJournal(journal, info.endNs).filter((c) => !background.has(c.probe)));
  // Only well-typed rows are charted (text sorts above every number in SQLite); `ebpfsh info` lists every loss row.
  const losses = await r.query(LOSS_ROWS_SQL, { maxRows: 1_000_000 });
  for (const [probe, start, count] of losses.rows) model.addLoss(String(probe), count as number, start as number);
  let batch = [];
  let n = 0;
  let hidden = 0;
  for (const e of r.events()) {
    if (background.has(e.probe)) {
      hidden++;
      continue;
    }
    batch.push(e);
    if (batch.length === 10_000) {
      model.add(batch);
      n += batch.length;
      batch = [];
      onProgress?.(n + hidden);
    }
  }
  model.add(batch);
  // The last, partial batch counts too: the final figure is every event read (the process table's included).
  onProgress?.(n + batch.length + hidden, true);
  model.advanceTo(end);
  return model;
}
