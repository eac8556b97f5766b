import type { ByteString, TraceEvent } from '../event/index.js';
import { PROBES, facetsOf } from '../probes/index.js';
import { processParents, readCmdline, readProcStat, readUid } from '../proc/index.js';

/** What is known of one process, from events seen or /proc. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: ByteString;
  uid?: number;
  /** argv of its last exec (seen), or its /proc cmdline. */
  argv?: ByteString[];
  exe?: ByteString;
  /** Where this came from. */
  source: 'seen' | 'proc';
  /** Kernel ts of the last event seen from it. */
  lastTs?: number;
  /** Kernel ts of the first event seen from it: its start when nothing better is known. */
  firstTs?: number;
  /** Its latest forensic events (deletions, renames, privilege changes, signals, connects), oldest first, for `:tree`. */
  activity?: TraceEvent[];
}

/** /proc start times are in USER_HZ (100) ticks since boot. */
const NS_PER_TICK = 10_000_000;

/** Forensic events kept per process for `:tree`. */
export const ACTIVITY_KEEP = 8;

/**
 * Probes whose events `:tree` lists under their process: the forensic
 * profile's, apart from those that shape the tree itself (exec, fork).
 */
const ACTIVITY_PROBES = new Set(PROBES.filter((p) => p.profiles?.includes('forensic') && !p.facets?.processFact).map((p) => p.name));

function keepActivity(p: ProcessInfo, e: TraceEvent): void {
  const a = (p.activity ??= []);
  a.push(e);
  if (a.length > ACTIVITY_KEEP) a.shift();
}

/** Reads one process from /proc, or undefined when it is gone. */
export function readProcProcess(pid: number, procRoot = '/proc'): ProcessInfo | undefined {
  const stat = readProcStat(pid, procRoot);
  if (!stat) return undefined;
  const argv = readCmdline(pid, procRoot);
  return { pid, ppid: stat.ppid, comm: stat.comm, uid: readUid(pid, procRoot), argv: argv?.length ? argv : undefined, source: 'proc' };
}

/**
 * Processes seen in events (bounded), backed by /proc for what was not seen:
 * ancestry for the detail pane, `:tree`, and `follow=` in view filters.
 */
export class ProcessBook {
  private readonly seen = new Map<number, ProcessInfo>();
  private readonly children = new Map<number, Set<number>>();

  constructor(
    private readonly procRoot = '/proc',
    private readonly capacity = 20_000,
  ) {}

  /** Notes the processes of a batch of events (cheap: a map update per event). */
  note(events: readonly TraceEvent[]): void {
    let last: ProcessInfo | undefined;
    for (const e of events) {
      // A storm usually comes from one process: skip the map for a run of its events.
      const fact = facetsOf(e.probe)?.processFact?.(e);
      const exec = fact?.kind === 'exec' && fact.fullArgv ? fact : undefined;
      const notable = ACTIVITY_PROBES.has(e.probe);
      if (last && last.pid === e.pid && last.ppid === e.ppid && !exec) {
        last.lastTs = e.ts;
        if (notable) keepActivity(last, e);
        continue;
      }
      let p = this.seen.get(e.pid);
      if (!p) {
        if (this.seen.size >= this.capacity) this.evictOldest();
        p = { pid: e.pid, ppid: e.ppid, comm: e.comm, uid: e.uid, source: 'seen', firstTs: e.ts };
        this.seen.set(e.pid, p);
        this.link(e.pid, e.ppid);
      } else if (p.ppid !== e.ppid) {
        this.children.get(p.ppid)?.delete(e.pid);
        p.ppid = e.ppid;
        this.link(e.pid, e.ppid);
      }
      p.comm = e.comm;
      p.uid = e.uid;
      p.lastTs = e.ts;
      if (exec) {
        p.argv = exec.argv ?? undefined;
        p.exe = exec.exe ?? undefined;
      }
      if (notable) keepActivity(p, e);
      last = p;
    }
  }

  /** The process as seen in events, else as /proc has it now. */
  get(pid: number): ProcessInfo | undefined {
    return this.seen.get(pid) ?? readProcProcess(pid, this.procRoot);
  }

  /** `pid` first, then its parent, up to pid 1 (or as far as anything knows). */
  ancestry(pid: number, max = 64): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    const visited = new Set<number>();
    let cur: number | undefined = pid;
    while (cur !== undefined && cur > 0 && !visited.has(cur) && out.length < max) {
      visited.add(cur);
      const p = this.get(cur);
      if (!p) {
        out.push({ pid: cur, ppid: 0, comm: '?', source: 'proc' });
        break;
      }
      out.push(p);
      cur = p.ppid;
    }
    return out;
  }

  /** Children of `pid` now (from /proc) and ever seen in events, in start order (pids wrap around). */
  childrenOf(pid: number, parents: Map<number, number> = this.procParents()): number[] {
    const out = new Set<number>(this.children.get(pid) ?? []);
    for (const [child, parent] of parents) if (parent === pid) out.add(child);
    return this.inStartOrder(out);
  }

  /**
   * When `pid` started, kernel ns: from /proc while it runs (clock ticks since
   * boot: the events' clock unless the host suspended), else the first event
   * seen from it; undefined when neither knows.
   */
  protected startOf(pid: number): number | undefined {
    const stat = readProcStat(pid, this.procRoot);
    if (stat && Number.isFinite(stat.startTicks)) return stat.startTicks * NS_PER_TICK;
    return this.seen.get(pid)?.firstTs;
  }

  /** `pids` by start (unknown last), then pid. */
  protected inStartOrder(pids: Iterable<number>): number[] {
    const keyed = [...pids].map((pid) => ({ pid, start: this.startOf(pid) ?? Infinity }));
    return keyed.sort((a, b) => a.start - b.start || a.pid - b.pid).map((k) => k.pid);
  }

  /** True when `pid` is `root` or descends from it (events seen, then /proc). */
  descends(pid: number, root: number): boolean {
    let cur = pid;
    for (let i = 0; i < 64 && cur > 0; i++) {
      if (cur === root) return true;
      const p: ProcessInfo | undefined = this.seen.get(cur) ?? readProcProcess(cur, this.procRoot);
      if (!p || p.ppid === cur) return false;
      cur = p.ppid;
    }
    return false;
  }

  /** pid -> ppid of every process now (empty when /proc cannot be read). */
  procParents(): Map<number, number> {
    try {
      return processParents(this.procRoot);
    } catch {
      return new Map();
    }
  }

  private link(pid: number, ppid: number): void {
    let set = this.children.get(ppid);
    if (!set) this.children.set(ppid, (set = new Set()));
    set.add(pid);
  }

  private evictOldest(): void {
    const first = this.seen.keys().next();
    if (first.done) return;
    const p = this.seen.get(first.value)!;
    this.children.get(p.ppid)?.delete(p.pid);
    this.seen.delete(first.value);
  }
}
