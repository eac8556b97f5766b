import { escapeTerminal, formatRet, type ByteString } from '../probes/index.js';
import { CaptureReader, CaptureError, type ProcessRow } from '../store/index.js';
import { wallClock } from './capture-time.js';

/** How many events of each kind to list per process before summarising. */
const PER_KIND = 10;
/** Opens read per process: library and locale opens among them are only counted. */
const OPENS_READ = 500;
/** Where the dynamic loader and libc look on every start: noise in a process tree. */
const LOADER_NOISE = /^(\/etc\/ld\.so\.cache$|\/(usr\/)?lib(32|64|x32)?\/|\/usr\/share\/locale\/|\/usr\/lib\/locale\/)/;

interface Activity {
  exec: unknown[][];
  open: unknown[][];
  connect: unknown[][];
}

/** Most processes one tree lists (a capture may hold any fan-out); the rest are counted. */
export const TREE_MAX_PROCESSES = 200;
/** Most time one tree spends on activity queries in total; after it, processes are listed without activity. */
export const TREE_BUDGET_MS = 20_000;

/** Any value read from a capture, as escaped text: numbers as they are, anything else (text in an INTEGER column) escaped. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '?';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return escapeTerminal(v instanceof Uint8Array ? Uint8Array.from(v) : String(v));
}

/** formatRet for a capture's ret column, whatever it holds. */
function retText(v: unknown): string {
  return typeof v === 'number' ? formatRet(v) : cell(v);
}

function procLine(p: ProcessRow, t: (ns: number) => string): string {
  const e = escapeTerminal;
  const argv = p.argv?.length ? ' ' + p.argv.map((a: ByteString) => e(a)).join(' ') : '';
  const life = [p.startNs !== null ? `started ${t(p.startNs)}` : null, p.exitNs !== null ? `exited ${t(p.exitNs)} status ${cell(p.exitCode)}` : null].filter(Boolean).join(', ');
  return `${cell(p.pid)} ${e(p.comm ?? '?')} uid ${cell(p.uid)}${p.exe ? ` ${e(p.exe)}` : ''}${argv}${life ? ` (${life})` : ''}`;
}

/** Events of one process lifetime, straight from the probe tables. */
async function activity(r: CaptureReader, p: ProcessRow, tables: Set<string>, deadline: number): Promise<Activity> {
  const from = p.startNs ?? -Number.MAX_SAFE_INTEGER;
  const to = p.exitNs ?? Number.MAX_SAFE_INTEGER;
  const q = async (table: string, cols: string, limit = PER_KIND + 1) => {
    if (!tables.has(table)) return [];
    const timeoutMs = Math.max(1, Math.min(5000, deadline - Date.now()));
    return (await r.query(`SELECT ts, ${cols} FROM "${table}" WHERE pid = ? AND ts BETWEEN ? AND ? ORDER BY ts LIMIT ${limit}`, { params: [p.pid, from, to], timeoutMs })).rows;
  };
  return {
    exec: await q('exec', 'ret, filename, argv'),
    open: await q('open', 'ret, path, flags', OPENS_READ),
    connect: await q('connect', 'ret, daddr, dport, ipver'),
  };
}

function activityLines(a: Activity, t: (ns: number) => string, indent: string): string[] {
  const e = (v: unknown) => escapeTerminal(v instanceof Uint8Array ? Uint8Array.from(v) : String(v ?? ''));
  const out: string[] = [];
  const more = (rows: unknown[][], kind: string) => (rows.length > PER_KIND ? [`${indent}  … more ${kind} events (query the capture for all)`] : []);
  for (const [ts, ret, filename, argv] of a.exec.slice(0, PER_KIND)) {
    let args = '';
    try {
      args = (JSON.parse(String(argv ?? '[]')) as string[]).map((x) => escapeTerminal(typeof x === 'string' ? x : String(JSON.stringify(x)))).join(' ');
    } catch {
      args = e(argv);
    }
    out.push(`${indent}  exec    ${t(ts as number)} ${retText(ret)} ${e(filename)} ${args}`);
  }
  out.push(...more(a.exec, 'exec'));
  const noise = a.open.filter(([, , path]) => typeof path === 'string' && LOADER_NOISE.test(path));
  const opens = a.open.filter((row) => !noise.includes(row));
  for (const [ts, ret, path] of opens.slice(0, PER_KIND)) out.push(`${indent}  open    ${t(ts as number)} ${retText(ret)} ${e(path)}`);
  if (noise.length) out.push(`${indent}  open    (+ ${noise.length}${a.open.length >= OPENS_READ ? '+' : ''} opens of shared libraries and locale files)`);
  out.push(...more(opens, 'open'));
  for (const [ts, ret, daddr, dport, ipver] of a.connect.slice(0, PER_KIND)) {
    const dest = ipver === 6 ? `[${e(daddr)}]:${cell(dport)}` : `${e(daddr)}:${cell(dport)}`;
    out.push(`${indent}  connect ${t(ts as number)} ${dest} ${ret === 0 ? 'ok' : retText(ret)}`);
  }
  out.push(...more(a.connect, 'connect'));
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
  const lines: string[] = ['ancestors:'];
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
    if (Date.now() < deadline) lines.push(...activityLines(await activity(r, p, tables, deadline), t, indent));
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
  try {
    process.stdout.write(await formatTree(r, pid));
  } finally {
    r.close();
  }
}
