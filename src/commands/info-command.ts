import { escapeTerminal } from '../probes/index.js';
import { CaptureReader, type CaptureInfo } from '../store/index.js';
import { duration, wallClock } from './capture-time.js';

interface JournalRow {
  ts: number;
  action: string;
  probe: string | null;
  filters: string | null;
  clauses: string | null;
  attach_points: string | null;
  detail: string | null;
}

function clauseText(row: JournalRow): string {
  try {
    const clauses = JSON.parse(row.clauses ?? '[]') as { clause: string; where: string }[];
    return clauses.length ? clauses.map((c) => `${c.clause} [${c.where}]`).join(' ') : 'every event';
  } catch {
    return row.filters || 'every event';
  }
}

/** The text of `ebpfsh info`: where, when, what was watched (journal), what was lost, notes. */
export function formatInfo(info: CaptureInfo, journal: JournalRow[], notes: { ts: number; text: string }[]): string {
  const t = (ns: number) => wallClock(ns, info.clockOffsetNs);
  const e = escapeTerminal;
  const lines: string[] = [];
  lines.push(`capture   ${e(info.path)} (schema ${info.schemaVersion}, recorded by ebpfsh ${e(info.toolVersion)})`);
  lines.push(`host      ${e(info.hostname)}, kernel ${e(info.kernelRelease)}, boot ${e(info.bootId)}`);
  const end = info.endNs ?? null;
  lines.push(`span      ${t(info.startNs)} -> ${end !== null ? `${t(end)} (${duration(end - info.startNs)})` : 'unknown: the recorder did not stop cleanly'}`);
  lines.push(`command   ${info.commandLine.map(e).join(' ')}`);
  if (!info.cleanStop) {
    const gap = info.gap ? `events after ${t(info.gap.startNs)} may be missing${info.gap.endNs ? ` (until ${t(info.gap.endNs)})` : ''}` : 'the end of the capture may be missing';
    lines.push(`WARNING   unclean stop (${e(info.stopReason ?? 'recorder died')}): ${gap}`);
  } else {
    lines.push(`stopped   cleanly (${e(info.stopReason ?? 'stop')})`);
  }
  lines.push(`events    ${Object.entries(info.counts).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  lines.push('watched   (journal: what was attached, with which filters, and where they ran)');
  for (const j of journal) {
    const what = j.probe ? `${j.action} ${j.probe}` : j.action;
    let detail = '';
    if (j.action === 'attach' || j.action === 'filter') {
      const points = j.attach_points ? (JSON.parse(j.attach_points) as string[]).join(', ') : '';
      detail = ` ${clauseText(j)}${points ? ` via ${points}` : ''}`;
    }
    if (j.detail) detail += ` (${j.detail})`;
    lines.push(`  ${t(j.ts)}  ${e(what)}${e(detail)}`);
  }
  const losses = info.losses.filter((l) => l.count === null || l.count > 0);
  if (losses.length === 0) lines.push('losses    none: every event the kernel produced was recorded');
  else {
    lines.push('LOSSES    (per probe and cause)');
    for (const l of losses) lines.push(`  ${(l.probe ?? 'all probes').padEnd(12)} ${l.cause.padEnd(15)} ${l.count ?? 'unknown number of'} events`);
  }
  if (notes.length) {
    lines.push('notes');
    for (const n of notes) lines.push(`  ${t(n.ts)}  ${e(n.text)}`);
  }
  return lines.join('\n') + '\n';
}

/** Runs `ebpfsh info FILE`. */
export function runInfo(path: string): void {
  const r = CaptureReader.open(path);
  try {
    process.stdout.write(formatInfo(r.info(), r.journal() as unknown as JournalRow[], r.notes()));
  } finally {
    r.close();
  }
}
