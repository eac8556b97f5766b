import { escapeTerminal, setHostNames, userLabel } from '../text/index.js';
import { isDeliveredCause } from '../engine/losses.js';
import { CaptureReader, type CaptureInfo, type ChainStatus, type Unfinished } from '../store/index.js';
import { duration, applyCaptureZone, wallClock, zoneLine } from './capture-time.js';

/** A journal row as the reader returns it: from a capture, so any column may hold any type. */
interface JournalRow {
  ts: number;
  action: unknown;
  probe: unknown;
  filters: unknown;
  clauses: unknown;
  attach_points: unknown;
  detail: unknown;
}

/** Parsed JSON, or undefined: a capture's text is never trusted to parse (a parse error would quote it raw). */
function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/** Text of a capture value (any type), unescaped: callers escape it. */
function str(v: unknown): string {
  return v === null || v === undefined ? '' : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v);
}

function clauseText(row: JournalRow): string {
  const clauses = parseJson(row.clauses ?? '[]');
  if (!Array.isArray(clauses)) return str(row.filters) || 'every event';
  return clauses.length ? clauses.map((c: { clause?: unknown; where?: unknown }) => `${str(c?.clause)} [${str(c?.where)}]`).join(' ') : 'every event';
}

/** The `integrity` line of info: the quick chain check (every row is checked only by ebpfsh verify). */
export function integrityLine(c: ChainStatus, notFinalized = false): string {
  const e = escapeTerminal;
  const full = 'ebpfsh verify checks every row';
  switch (c.state) {
    case 'sealed':
      return `integrity sealed: chain of ${c.batches} batches ends at the manifest's head; ${c.signedBy ? `signed by key ${c.signedBy.slice(0, 16)}… (check with verify --key PUB)` : 'not signed'} (${full})`;
    case 'open':
      if (notFinalized) return `integrity incomplete: chain of ${c.batches} batches so far in this file, no manifest yet: the recording is not finalized (${full} up to where it ends)`;
      return `integrity incomplete: chain of ${c.batches} batches, ${e(c.reason ?? 'no manifest')} (${full} up to where it ends)`;
    case 'broken':
      return `WARNING   integrity chain broken: ${e(c.reason ?? 'inconsistent')}; run ebpfsh verify for what changed`;
    default:
      return 'integrity unverifiable (no chain): recorded by an older ebpfsh';
  }
}

/** What a reader says of a capture that is not finalized and whose recorder did not die (the issue's wording). */
export const NOT_FINALIZED = 'not finalized: still being written, or copied without its -wal: copy both, or wait for the stop';

/** The line under NOT_FINALIZED: what this host could check. */
function unfinishedDetail(u: Unfinished): string {
  const wal = u.walMissing ? 'no -wal beside this file: rows committed since its last checkpoint are not in it' : '';
  if (u.reason === 'recording') return `the recorder (pid ${u.recorderPid}) is still running on this host${wal ? `; ${wal}` : ''}`;
  return wal;
}

/**
 * The losses line when no loss row counts a lost event: a claim of
 * completeness only where it was checked (a clean stop, the chain not seen
 * broken); otherwise only what the rows say, and what they cannot.
 */
export function noLossClaim(info: CaptureInfo, chain?: ChainStatus): string {
  if (info.unfinished && info.unfinished.reason !== 'died') return 'recorded so far: none; events after the last commit, and their losses, are not in this file';
  if (!info.cleanStop) return 'recorded: none; events after the last commit may be missing';
  if (chain?.state === 'broken') return 'recorded: none; the integrity chain is broken, so rows may have been removed (run ebpfsh verify)';
  return 'none: every event the kernel produced was recorded';
}

/** Who the events belong to: the busiest uids, how many in all, how many rows had no usable uid, whether names were recorded. */
export interface UserSummary {
  top: { uid: number; events: number }[];
  uids: number;
  odd: number;
  /** The capture holds the recording host's names (host_users). */
  named: boolean;
}

/** The user summary of a capture (its names are set apart, with setHostNames: one source of names per terminal). */
export function userSummary(r: CaptureReader): UserSummary {
  return { ...r.userCounts(), named: r.hostNames().length > 0 };
}

/** The `users` line: `cloudsdk(1000) 1245, root(0) 30` by the recording host's names (set with setHostNames). */
export function usersLine(u: UserSummary): string {
  const shown = u.top.map((t) => `${userLabel(t.uid)} ${t.events}`).join(', ');
  const more = u.uids > u.top.length ? `, and ${u.uids - u.top.length} more uids` : '';
  const odd = u.odd ? `; ${u.odd} events with no integer uid (damaged or edited rows)` : '';
  const names = u.named ? '' : u.top.length ? ' (no user names in this capture: recorded by an older ebpfsh)' : '';
  return `users     ${shown || 'none'}${more} (events per user)${odd}${names}`;
}

/** The text of `ebpfsh info`: where, when, what was watched (journal), what was lost, notes. */
export function formatInfo(info: CaptureInfo, journal: JournalRow[], notes: { ts: number; text: string }[], chain?: ChainStatus, users?: UserSummary): string {
  const t = (ns: number) => wallClock(ns, info.clockOffsetNs);
  const e = escapeTerminal;
  const lines: string[] = [];
  lines.push(`capture   ${e(info.path)} (schema ${info.schemaVersion}, recorded by ebpfsh ${e(info.toolVersion)})`);
  lines.push(`host      ${e(info.hostname)}, kernel ${e(info.kernelRelease)}, boot ${e(info.bootId)}`);
  const end = info.endNs ?? null;
  const open = info.unfinished && info.unfinished.reason !== 'died' ? info.unfinished : null;
  lines.push(`span      ${t(info.startNs)} -> ${end !== null ? `${t(end)} (${duration(end - info.startNs)})` : open ? 'unknown: not finalized' : 'unknown: the recorder did not stop cleanly'}`);
  lines.push(`times     ${zoneLine(info.startNs, info.clockOffsetNs).slice('times in '.length)}`);
  lines.push(`command   ${info.commandLine.map(e).join(' ')}`);
  if (chain) lines.push(integrityLine(chain, open !== null));
  if (open) {
    lines.push(`WARNING   ${NOT_FINALIZED}`);
    lines.push(`          ${unfinishedDetail(open)}`);
  } else if (!info.cleanStop) {
    const gap = info.gap ? `events after ${t(info.gap.startNs)} may be missing${info.gap.endNs ? ` (until ${t(info.gap.endNs)})` : ''}` : 'the end of the capture may be missing';
    lines.push(`WARNING   unclean stop (${e(info.stopReason ?? 'recorder died')}): ${gap}`);
  } else {
    lines.push(`stopped   cleanly (${e(info.stopReason ?? 'stop')})`);
  }
  const counts = Object.entries(info.counts);
  const empty = counts.filter(([, n]) => n === 0).length;
  const some = counts.filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const sofar = open ? ' so far in this file' : '';
  lines.push(`events    ${some || 'none'}${sofar}${some && empty ? ` (none in the other ${empty} probe tables)` : ''}`);
  if (users) lines.push(usersLine(users));
  lines.push('watched   (journal: what was attached, with which filters, and where they ran)');
  for (const j of journal) {
    const what = j.probe ? `${str(j.action)} ${str(j.probe)}` : str(j.action);
    let detail = '';
    if (j.action === 'attach' || j.action === 'filter') {
      const parsed = parseJson(j.attach_points);
      const points = Array.isArray(parsed) ? parsed.map(str).join(', ') : str(j.attach_points);
      detail = ` ${clauseText(j)}${points ? ` via ${points}` : ''}`;
    }
    if (j.detail) detail += ` (${str(j.detail)})`;
    lines.push(`  ${t(j.ts)}  ${e(what)}${e(detail)}`);
  }
  const counted = info.losses.filter((l) => l.count === null || l.count > 0);
  // string_fault and truncated count events that were recorded, with a field cut or unreadable: not lost.
  const losses = counted.filter((l) => !isDeliveredCause(l.cause));
  const degraded = counted.filter((l) => isDeliveredCause(l.cause));
  if (losses.length === 0) lines.push(`losses    ${noLossClaim(info, chain)}`);
  else {
    lines.push('LOSSES    (per probe and cause)');
    for (const l of losses) lines.push(`  ${e(l.probe ?? 'all probes').padEnd(12)} ${e(l.cause).padEnd(15)} ${l.count ?? 'unknown number of'} events`);
  }
  if (degraded.length) {
    lines.push('degraded  (recorded, with a field cut or unreadable; not lost)');
    for (const l of degraded) lines.push(`  ${e(l.probe ?? 'all probes').padEnd(12)} ${e(l.cause).padEnd(15)} ${l.count ?? 'unknown number of'} events`);
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
    applyCaptureZone(r.hostZone());
    setHostNames(r.hostNames()); // the recording host's names: uids differ across hosts
    process.stdout.write(formatInfo(r.info(), r.journal() as unknown as JournalRow[], r.notes(), r.chainStatus(), userSummary(r)));
  } finally {
    r.close();
  }
}
