import { textOf, type ByteString, type TraceEvent } from '../../event/index.js';
import { facetsOf, type DashboardContribution } from '../../probes/index.js';
import { escapeTerminal, formatRet, userLabel } from '../../text/index.js';
import { renderParts } from '../../commands/event-format.js';

/** Buckets of history the rate chart keeps (seconds, when live). */
export const WINDOW_SECONDS = 120;
const MAX_KEYS = 20_000; // distinct processes/paths/destinations kept before pruning the least seen
const RECENT_CONNECTS = 50;
const RECENT_SECURITY = 50;

/** A probe's attached interval, for the coverage strip (ns on the event clock). */
export interface Coverage {
  probe: string;
  fromNs: number;
  toNs: number | null;
}

/** Per-probe totals the view shows beside the charts. */
export interface ProbeTotals {
  events: number;
  lost: number;
}

/** One outbound connection row. */
export interface ConnectRow {
  ts: number;
  comm: string;
  pid: number;
  dest: string;
  port: number;
  outcome: string;
}

/** One line of the security-events panel (a probe's `security` facet said the event is one). */
export interface SecurityRow {
  ts: number;
  label: string;
  comm: string;
  pid: number;
  uid: number;
  /** The event's own line, escaped. */
  text: string;
}

/**
 * How "top processes" ranks: `parent` groups a command under its parent
 * (a forking loop is one bar, with how many pids it took), `pid` one bar
 * per process.
 */
export type ProcessGrouping = 'parent' | 'pid';

/** Distinct pids a group counts before it says `N+`: bounded memory under a fork storm. */
const MAX_GROUP_PIDS = 999;

/** Everything one frame of the dashboard shows, already escaped for the terminal. */
export interface DashboardSnapshot {
  /** Rightmost second of the window (event clock, ns). */
  nowNs: number;
  /** Width of one bucket of the series. */
  bucketNs: number;
  /** Per probe: events per second in each of the last WINDOW_SECONDS buckets (oldest first). */
  rates: Record<string, number[]>;
  /** Per probe: losses in each bucket of the window. */
  losses: Record<string, number[]>;
  /** Ranked as `grouping` says: `curl ×37 ← bash(4242)`, or `curl(4301)`. */
  topProcesses: [string, number][];
  grouping: ProcessGrouping;
  /** `cloudsdk(1000)` where the names are known (this host's live, the capture's host's in a reader). */
  topUsers: [string, number][];
  recentConnects: ConnectRow[];
  topDestinations: [string, number][];
  topFiles: { path: string; opens: number; failures: number }[];
  /** Security events, newest first, and how many of each label were seen. */
  recentSecurity: SecurityRow[];
  securityCounts: [string, number][];
  /** Lost / (delivered + lost), 0-100. */
  lossPercent: number;
  totals: Record<string, ProbeTotals>;
  /** Per probe, per second of the window: was it attached. */
  coverage: Record<string, boolean[]>;
  /** Probe the top charts are showing ('all' or a probe name). */
  focus: string;
}

class Counter<K = string> {
  readonly counts = new Map<K, number>();
  add(key: K, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    if (this.counts.size > MAX_KEYS) this.prune();
  }
  top(n: number): [K, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, n);
  }
  // Keeps memory bounded: drop the half least seen.
  private prune(): void {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1]);
    this.counts.clear();
    for (const [k, v] of sorted.slice(0, MAX_KEYS / 2)) this.counts.set(k, v);
  }
}

/**
 * Aggregates what the dashboard shows from events, loss counts and coverage,
 * on the events' own clock, so live and replay feed it the same way.
 * Bounded memory whatever the event rate.
 */
export class DashboardModel {
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly lossPerSecond = new Map<string, Map<number, number>>();
  private readonly processes = new Map<string, Counter>();
  private readonly groups = new Map<string, Counter>();
  /** Per group key: the pids seen in it (at most MAX_GROUP_PIDS), its comm (escaped) and parent pid. */
  private readonly groupFacts = new Map<string, { comm: string; ppid: number; pids: Set<number> }>();
  /** The last comm seen for a pid (escaped), to name a group's parent (bounded like the counters). */
  private readonly comms = new Map<number, string>();
  private readonly users = new Map<string, Counter<number>>();
  private lastGroup: { pid: number; ppid: number; comm: string; key: string } | undefined;
  private readonly destinations = new Counter();
  private readonly files = new Map<string, { opens: number; failures: number }>();
  private readonly connects: ConnectRow[] = [];
  private readonly security: SecurityRow[] = [];
  private readonly securityCounts = new Counter();
  private readonly totals = new Map<string, ProbeTotals>();
  private coverage: Coverage[] = [];
  private latestNs = 0;
  focus = 'all';
  grouping: ProcessGrouping = 'parent';

  /**
   * @param bucketNs width of one chart bucket: 1 s live; a whole capture
   *   uses span / WINDOW_SECONDS so all of it fits.
   * @param nameOf a parent's command when no event of it was seen (live: the
   *   process book, which asks /proc); unescaped.
   */
  constructor(
    readonly bucketNs = 1e9,
    private readonly nameOf?: (pid: number) => ByteString | undefined,
  ) {}

  /** Counts a batch per probe per bucket only: cheap enough for every event while the dashboard is hidden. */
  addRates(events: readonly TraceEvent[]): void {
    for (const e of events) {
      if (e.ts > this.latestNs) this.latestNs = e.ts;
      bump(this.perSecond, e.probe, Math.floor(e.ts / this.bucketNs), 1);
      this.total(e.probe).events++;
    }
  }

  /** Adds a batch to the rankings, connections and files only (their rates counted already). */
  addDetail(events: readonly TraceEvent[]): void {
    for (const e of events) this.addOne(e);
  }

  /** Adds a batch of events. */
  add(events: readonly TraceEvent[]): void {
    this.addRates(events);
    this.addDetail(events);
    this.trim();
  }

  private addOne(e: TraceEvent): void {
    const comm = escapeTerminal(e.comm);
    const proc = `${comm}(${e.pid})`;
    const group = this.noteGroup(e, comm);
    for (const k of ['all', e.probe]) {
      counterOf(this.processes, k).add(proc);
      counterOf(this.groups, k).add(group);
      counterOf(this.users, k).add(e.uid);
    }
    const facets = facetsOf(e.probe);
    const c = facets?.dashboard?.(e);
    if (c?.panel === 'connections') this.addConnect(e, c);
    else if (c?.panel === 'files') this.addOpen(c);
    const note = facets?.security?.(e);
    if (note) this.addSecurity(e, note.label, renderParts(note.parts));
  }

  private addSecurity(e: TraceEvent, label: string, text: string): void {
    this.security.push({ ts: e.ts, label, comm: escapeTerminal(e.comm), pid: e.pid, uid: e.uid, text });
    if (this.security.length > 2 * RECENT_SECURITY) this.security.splice(0, this.security.length - RECENT_SECURITY);
    this.securityCounts.add(label);
  }

  /** Records `n` events of `probe` lost at time `tsNs`. */
  addLoss(probe: string, n: number, tsNs: number): void {
    if (n <= 0) return;
    bump(this.lossPerSecond, probe, Math.floor(tsNs / this.bucketNs), n);
    this.total(probe).lost += n;
  }

  /** Replaces the coverage intervals (from the journal or the live attachments). */
  setCoverage(c: Coverage[]): void {
    this.coverage = c;
  }

  /** Moves the window's right edge (the replay clock, or now when live). */
  advanceTo(ns: number): void {
    if (ns > this.latestNs) this.latestNs = ns;
    this.trim();
  }

  /** Switches "top processes" between command-under-parent groups and single pids. */
  toggleGrouping(): void {
    this.grouping = this.grouping === 'parent' ? 'pid' : 'parent';
  }

  // A group is a command under one parent pid: the children of a forking loop share it.
  private noteGroup(e: TraceEvent, comm: string): string {
    // A storm usually comes from one process: its run of events needs no lookup.
    const last = this.lastGroup;
    if (last && last.pid === e.pid && last.ppid === e.ppid && last.comm === comm) return last.key;
    if (this.comms.get(e.pid) !== comm) {
      if (this.comms.size >= MAX_KEYS) this.comms.clear(); // names only: a parent seen again is learnt again (lastGroup is another pid)
      this.comms.set(e.pid, comm);
    }
    const key = `${e.ppid}\0${comm}`;
    let g = this.groupFacts.get(key);
    if (!g) {
      if (this.groupFacts.size >= MAX_KEYS) this.pruneGroups();
      this.groupFacts.set(key, (g = { comm, ppid: e.ppid, pids: new Set() }));
    }
    if (g.pids.size < MAX_GROUP_PIDS) g.pids.add(e.pid);
    this.lastGroup = { pid: e.pid, ppid: e.ppid, comm, key };
    return key;
  }

  /** `curl ×37 ← bash(4242)`, or `opener(501) ← node(500)` for a group of one pid; escaped. */
  private groupLabel(key: string): string {
    const g = this.groupFacts.get(key);
    if (!g) return escapeTerminal(key);
    const n = g.pids.size;
    const who = n === 1 ? `${g.comm}(${[...g.pids][0]})` : `${g.comm} ×${n}${n >= MAX_GROUP_PIDS ? '+' : ''}`;
    const known = this.nameOf?.(g.ppid);
    const parent = this.comms.get(g.ppid) ?? (known === undefined ? undefined : escapeTerminal(known));
    return `${who} ← ${parent === undefined ? `ppid ${g.ppid}` : `${parent}(${g.ppid})`}`;
  }

  // Keeps the facts of the groups some counter still ranks.
  private pruneGroups(): void {
    this.lastGroup = undefined;
    const live = new Set<string>();
    for (const c of this.groups.values()) for (const k of c.counts.keys()) live.add(k);
    for (const k of this.groupFacts.keys()) if (!live.has(k)) this.groupFacts.delete(k);
    if (this.groupFacts.size >= MAX_KEYS) this.groupFacts.clear();
  }

  /** Cycles the probe the top charts show. */
  cycleFocus(): void {
    const probes = ['all', ...[...this.totals.keys()].sort()];
    this.focus = probes[(probes.indexOf(this.focus) + 1) % probes.length] ?? 'all';
  }

  /** What to draw now. */
  snapshot(): DashboardSnapshot {
    const b = this.bucketNs;
    const endSec = Math.floor(this.latestNs / b);
    const startSec = endSec - WINDOW_SECONDS + 1;
    const perSec = b / 1e9;
    const series = (m: Map<string, Map<number, number>>, rate: boolean) => {
      const out: Record<string, number[]> = {};
      for (const [probe, secs] of m)
        out[probe] = Array.from({ length: WINDOW_SECONDS }, (_, i) => {
          const n = secs.get(startSec + i) ?? 0;
          return rate ? Math.round(n / perSec) : n;
        });
      return out;
    };
    let events = 0;
    let lost = 0;
    for (const t of this.totals.values()) {
      events += t.events;
      lost += t.lost;
    }
    const coverage: Record<string, boolean[]> = {};
    for (const c of this.coverage) {
      const row = (coverage[c.probe] ??= new Array<boolean>(WINDOW_SECONDS).fill(false));
      for (let i = 0; i < WINDOW_SECONDS; i++) {
        const s = (startSec + i) * b;
        if (s + b > c.fromNs && (c.toNs === null || s <= c.toNs)) row[i] = true;
      }
    }
    return {
      nowNs: this.latestNs,
      bucketNs: b,
      rates: series(this.perSecond, true),
      losses: series(this.lossPerSecond, false),
      topProcesses:
        this.grouping === 'pid'
          ? (this.processes.get(this.focus)?.top(10) ?? [])
          : (this.groups.get(this.focus)?.top(10) ?? []).map(([k, n]) => [this.groupLabel(k), n]),
      grouping: this.grouping,
      topUsers: (this.users.get(this.focus)?.top(10) ?? []).map(([uid, n]) => [userLabel(uid), n]),
      recentConnects: this.connects.slice(-RECENT_CONNECTS).reverse(),
      topDestinations: this.destinations.top(10),
      topFiles: [...this.files]
        .sort((a, b) => b[1].opens - a[1].opens)
        .slice(0, 15)
        .map(([path, v]) => ({ path, ...v })),
      recentSecurity: this.security.slice(-RECENT_SECURITY).reverse(),
      securityCounts: this.securityCounts.top(20),
      lossPercent: events + lost ? (100 * lost) / (events + lost) : 0,
      totals: Object.fromEntries(this.totals),
      coverage,
      focus: this.focus,
    };
  }

  private total(probe: string): ProbeTotals {
    let t = this.totals.get(probe);
    if (!t) this.totals.set(probe, (t = { events: 0, lost: 0 }));
    return t;
  }

  private addConnect(e: TraceEvent, c: Extract<DashboardContribution, { panel: 'connections' }>): void {
    const dest = escapeTerminal(textOf(c.daddr));
    const ret = c.ret;
    this.connects.push({ ts: e.ts, comm: escapeTerminal(e.comm), pid: e.pid, dest, port: c.dport, outcome: ret === 0 ? 'ok' : formatRet(ret) });
    if (this.connects.length > 2 * RECENT_CONNECTS) this.connects.splice(0, this.connects.length - RECENT_CONNECTS);
    this.destinations.add(c.ipver === 6 ? `[${dest}]:${c.dport}` : `${dest}:${c.dport}`);
  }

  private addOpen(c: Extract<DashboardContribution, { panel: 'files' }>): void {
    const path = escapeTerminal(c.path);
    let v = this.files.get(path);
    if (!v) {
      if (this.files.size >= MAX_KEYS) this.pruneFiles();
      this.files.set(path, (v = { opens: 0, failures: 0 }));
    }
    v.opens++;
    if (c.ret < 0) v.failures++;
  }

  private pruneFiles(): void {
    const keep = [...this.files].sort((a, b) => b[1].opens - a[1].opens).slice(0, MAX_KEYS / 2);
    this.files.clear();
    for (const [k, v] of keep) this.files.set(k, v);
  }

  // Drops per-second buckets that fell out of the window.
  private trim(): void {
    const oldest = Math.floor(this.latestNs / this.bucketNs) - WINDOW_SECONDS;
    for (const m of [this.perSecond, this.lossPerSecond])
      for (const secs of m.values()) for (const s of secs.keys()) if (s <= oldest) secs.delete(s);
  }
}

function bump(m: Map<string, Map<number, number>>, probe: string, sec: number, n: number): void {
  let secs = m.get(probe);
  if (!secs) m.set(probe, (secs = new Map()));
  secs.set(sec, (secs.get(sec) ?? 0) + n);
}

function counterOf<K>(m: Map<string, Counter<K>>, key: string): Counter<K> {
  let c = m.get(key);
  if (!c) m.set(key, (c = new Counter<K>()));
  return c;
}
