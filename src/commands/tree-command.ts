import type { ByteString } from '../event/index.js';
import { warnIfChainBroken } from './chain-warning.js';
import { warnIfNotFinalized } from './unfinished-warning.js';
import { PROBES } from '../probes/index.js';
import { captureCell as cell, escapeTerminal, setHostNames, userLabel } from '../text/index.js';
import { CaptureReader, CaptureError, type ProcessRow } from '../store/index.js';
import { applyCaptureZone, wallClock, zoneLine } from './capture-time.js';

/** How many events of each kind to list per process before summarising. */
const PER_KIND = 10;

/** Most processes one tree lists (a capture may hold any fan-out); the rest are counted. */
export const TREE_MAX_PROCESSES = 200;
/** Most time one tree spends on activity queries in total; after it, processes are listed without activity. */
export const TREE_BUDGET_MS = 20_000;

function procLine(p: ProcessRow, t: (ns: number) => string): string {
  const e = escapeTerminal;
  const argv = p.argv?.length ? ' ' + p.argv.map((a: ByteString) => e(a)).join(' ') : '';
  const life = [p.startNs !== null ? `started ${t(p.startNs)}` : null, p.exitNs !== null ? `exited ${t(p.exitNs)} status ${cell(p.exitCode)}` : null].filter(Boolean).join(', ');
  return `${cell(p.pid)} ${e(p.comm ?? '?')} uid ${userLabel(p.uid)}${p.exe ? ` ${e(p.exe)}` : ''}${argv}${life ? ` (${life})` : ''}`;
}

/** Each probe's activity lines for one process lifetime, straight from the probe tables, in registry order. */
async function activityLines(r: CaptureReader, p: ProcessRow, tables: Set<string>, deadline: number, t: (ns: unknown) => string, indent: string): Promise<string[]> {
  const from = p.startNs ?? -Number.MAX_SAFE_INTEGER;
  const to = p.exitNs ?? Number.MAX_SAFE_INTEGER;
  const out: string[] = [];
  for (const probe of PROBES) {
    const tree = probe.facets?.tree;
    if (!tree || !tables.has(probe.table)) continue;
    const timeoutMs = () => Math.max(1, Math.min(5000, deadline - Date.now()));
    const where = `FROM "${probe.table}" WHERE pid = ? AND ts BETWEEN ? AND ?`;
    const params = [p.pid, from, to];
    // A ranked facet reads its most telling rows first and counts every rank, so what a cap leaves out is said.
    const sql = tree.rank
      ? `SELECT ts, ${tree.columns}, ${tree.rank} AS rank ${where} ORDER BY rank, ts LIMIT ${tree.read ?? PER_KIND + 1}`
      : `SELECT ts, ${tree.columns} ${where} ORDER BY ts LIMIT ${tree.read ?? PER_KIND + 1}`;
    const rows = (await r.query(sql, { params, timeoutMs: timeoutMs() })).rows as unknown[][];
    let rankCounts: Map<number, number> | undefined;
    if (tree.rank && rows.length) {
      const counted = (await r.query(`SELECT ${tree.rank} AS rank, count(*) ${where} GROUP BY rank`, { params, timeoutMs: timeoutMs() })).rows as unknown[][];
      rankCounts = new Map(counted.filter(([k, n]) => typeof k === 'number' && typeof n === 'number').map(([k, n]) => [k as number, n as number]));
    }
    out.push(...tree.lines(rows, { time: t, indent, perKind: PER_KIND, rankCounts }));
  }
  return out;
}

/** Text of `ebpfsh tree FILE --pid N`: ancestors, the process, its descendants, each with their activity. */
export async function formatTree(r: CaptureReader, pid: number, opts: { maxDepth?: number } = {}): Promise<string> {
  const info = r.info();
  const t = (ns: unknown) => (typeof ns === 'number' ? wallClock(ns, info.clockOffsetNs).slice(11) : cell(ns));
  const root = r.process(pid);
  if (!root) throw new CaptureError(`no process ${pid} in ${info.path} (see: ebpfsh query ${info.path} "SELECT pid, comm FROM processes")`, 'NOTFOUND');
  const deadline = Date.now() + TREE_BUDGET_MS;
  let listed = 0;
  let left = 0;
  const tables = new Set(r.schema.probes.map((p) => p.table));
  const lines: string[] = [`(${zoneLine(info.startNs, info.clockOffsetNs)})`, 'ancestors:'];
  const anc = r.ancestors(root).reverse();
  if (!anc.length) lines.push('  (none known)');
  anc.forEach((a, i) => lines.push(`  ${'  '.repeat(i)}${procLine(a, t)}`));
  lines.push('process and descendants:');
  const maxDepth = opts.maxDepth ?? 20;
  // Bounded whatever the capture holds: a loop in the parent links (seen),
  // depth, processes listed, children read per process, and the time spent.
  const walk = async (p: ProcessRow, depth: number, seen: Set<number>) => {
    const indent = '  ' + '│ '.repeat(depth);
    listed++;
    lines.push(`${indent}${depth ? '├ ' : ''}${procLine(p, t)}`);
    if (Date.now() < deadline) lines.push(...(await activityLines(r, p, tables, deadline, t, indent)));
    if (depth >= maxDepth) return;
    for (const c of r.children(p, TREE_MAX_PROCESSES + 1)) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      if (listed >= TREE_MAX_PROCESSES) {
        left++;
        continue;
      }
      await walk(c, depth + 1, seen);
    }
  };
  await walk(root, 0, new Set([root.id]));
  if (left) lines.push(`  … ${left}${left > TREE_MAX_PROCESSES ? '+' : ''} more processes not listed (query the capture's processes table for all)`);
  if (Date.now() >= deadline) lines.push(`  (activity not read after ${TREE_BUDGET_MS / 1000} s: query the capture for it)`);
  return lines.join('\n') + '\n';
}

/** Runs `ebpfsh tree FILE --pid N`. */
export async function runTree(path: string, pid: number): Promise<void> {
  const r = CaptureReader.open(path);
  warnIfChainBroken(r, path);
  warnIfNotFinalized(r, path);
  try {
    applyCaptureZone(r.hostZone());
    setHostNames(r.hostNames());
    process.stdout.write(await formatTree(r, pid));
  } finally {
    r.close();
  }
}
