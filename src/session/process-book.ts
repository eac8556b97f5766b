import type { ByteString, TraceEvent } from '../event/index.js';
import { PROBES, facetsOf } from '../probes/index.js';
import { CgroupPaths, processParents, readCgroupPath, readCmdline, readCwd, readProcStat, readUid, type CgroupResolution, type ContainerRef, containerOf } from '../proc/index.js';

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
  /** Start in /proc ticks since boot, when a fork or exec event or /proc said. */
  startTicks?: number;
  /** Kernel ts of its start: the fork event's (exact), else from its start ticks. */
  startNs?: number;
  /** Kernel ts of its end and its raw wait status, once an exit event said so. */
  exitNs?: number;
  exitStatus?: number;
  /** Working directory read from /proc when first seen; null when it could not be read (already gone). */
  cwd?: ByteString | null;
  /** cgroup v2 id of its latest event. */
  cgroup?: number;
  /** Its cgroup v2 path as /proc says, for a process known only from /proc. */
  cgroupPath?: ByteString;
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

/** Reads one process from /proc (with its working directory when `withCwd`), or undefined when it is gone. */
export function readProcProcess(pid: number, procRoot = '/proc', withCwd = false): ProcessInfo | undefined {
  const stat = readProcStat(pid, procRoot);
  if (!stat) return undefined;
  const argv = readCmdline(pid, procRoot);
  const ticks = Number.isFinite(stat.startTicks) ? stat.startTicks : undefined;
  return {
    pid,
    ppid: stat.ppid,
    comm: stat.comm,
    uid: readUid(pid, procRoot),
    argv: argv?.length ? argv : undefined,
    source: 'proc',
    startTicks: ticks,
    startNs: ticks !== undefined ? ticks * NS_PER_TICK : undefined,
    ...(withCwd ? { cwd: readCwd(pid, procRoot) ?? null, cgroupPath: readCgroupPath(pid, procRoot) } : {}),
  };
}

/** Where a process's life stands: running, ended (with its wait status), or gone without its exit seen. */
export type ProcessState = { state: 'running' } | { state: 'exited'; exitNs: number; status: number } | { state: 'gone' } | { state: 'unknown' };

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
    /** null: no host lookups (replay: the capture's host is elsewhere). */
    private readonly cgroups: CgroupPaths | null = new CgroupPaths(),
  ) {}

  /** Notes the processes of a batch of events (cheap: a map update per event). */
  note(events: readonly TraceEvent[]): void {
    let last: ProcessInfo | undefined;
    for (const e of events) {
      // A storm usually comes from one process: skip the map for a run of its events.
      const facets = facetsOf(e.probe);
      const fact = facets?.processFact?.(e);
      const exec = fact?.kind === 'exec' && fact.fullArgv ? fact : undefined;
      const end = fact?.kind === 'exit' ? fact.exitCode : facets?.processEnd?.(e);
      const notable = ACTIVITY_PROBES.has(e.probe);
      if (last && last.pid === e.pid && last.ppid === e.ppid && !fact && end === undefined && last.cgroup === e.cgroup) {
        last.lastTs = e.ts;
        if (notable) keepActivity(last, e);
        continue;
      }
      let p = this.seen.get(e.pid);
      // An event after the exit of the pid's last lifetime (or a fork of it) begins a new process.
      // (A fork that arrives after its child's first events, from another ring, is the same lifetime.)
      if (p && end === undefined && ((p.exitNs !== undefined && e.ts > p.exitNs) || (fact?.kind === 'fork' && e.ts > (p.firstTs ?? 0)))) {
        this.forget(p);
        p = undefined;
      }
      if (!p) {
        if (this.seen.size >= this.capacity) this.evictOldest();
        p = { pid: e.pid, ppid: e.ppid, comm: e.comm, uid: e.uid, source: 'seen', firstTs: e.ts };
        this.seen.set(e.pid, p);
        this.link(e.pid, e.ppid);
        this.firstSight(p, e);
      } else if (p.ppid !== e.ppid) {
        this.children.get(p.ppid)?.delete(e.pid);
        p.ppid = e.ppid;
        this.link(e.pid, e.ppid);
      }
      p.comm = e.comm;
      p.uid = e.uid;
      p.lastTs = e.ts;
      p.cgroup = e.cgroup;
      if (fact?.startTicks !== undefined && (p.startTicks === undefined || fact.kind === 'fork')) {
        p.startTicks = fact.startTicks;
        p.startNs = fact.kind === 'fork' ? e.ts : fact.startTicks * NS_PER_TICK;
      }
      if (end !== undefined) {
        p.exitNs = e.ts;
        p.exitStatus = end;
      }
      if (exec) {
        p.argv = exec.argv ?? undefined;
        p.exe = exec.exe ?? undefined;
      }
      if (notable) keepActivity(p, e);
      last = p;
    }
  }

  /**
   * What a process is first seen with: its working directory (read once, while
   * it most likely still runs: it may chdir later, but a responder needs where
   * it began) and its cgroup's path (so a container removed later keeps its name).
   */
  private firstSight(p: ProcessInfo, e: TraceEvent): void {
    if (!this.cgroups) return;
    p.cwd = readCwd(p.pid, this.procRoot) ?? null;
    this.cgroups.resolve(e.cgroup);
  }

  /** The path of cgroup `id` under the cgroup2 mount (with a container id when it names one), or why not. */
  cgroupPath(id: number): CgroupResolution {
    return this.cgroups?.resolve(id) ?? { unknown: 'not resolved here (the capture was recorded on its own host)' };
  }

  /** The container a cgroup path names, if any. */
  containerOf(path: ByteString): ContainerRef | undefined {
    return containerOf(path);
  }

  /** Where the life of `p` stands: an exit seen, else whether /proc still has the same process. */
  stateOf(p: ProcessInfo): ProcessState {
    if (p.exitNs !== undefined) return { state: 'exited', exitNs: p.exitNs, status: p.exitStatus ?? 0 };
    const stat = readProcStat(p.pid, this.procRoot);
    if (!stat) return { state: 'gone' };
    if (p.startTicks !== undefined && stat.startTicks !== p.startTicks) return { state: 'gone' }; // the pid was reused
    if (p.startTicks === undefined && p.source === 'seen') {
      // Nothing said when it started: /proc's process is it unless it started after the first event seen.
      const startNs = stat.startTicks * NS_PER_TICK;
      if (p.firstTs !== undefined && startNs > p.firstTs + 1e9) return { state: 'gone' };
      p.startTicks = stat.startTicks;
      p.startNs = startNs;
    }
    return { state: 'running' };
  }

  /** The process as seen in events, else as /proc has it now. */
  get(pid: number): ProcessInfo | undefined {
    return this.seen.get(pid) ?? readProcProcess(pid, this.procRoot, true);
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
    const known = this.seen.get(pid)?.startNs;
    if (known !== undefined) return known;
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
    this.forget(this.seen.get(first.value)!);
  }

  private forget(p: ProcessInfo): void {
    this.children.get(p.ppid)?.delete(p.pid);
    this.seen.delete(p.pid);
  }
}
