import type { Attachment, ProbeCounters } from '../engine/index.js';
import type { TraceEvent } from '../event/index.js';
import { SessionError } from './errors.js';
import { EventArena, type RingEvents } from './event-arena.js';
import type { JournalEntry } from './types.js';

/** How long the ring keeps events by default (EBPFSH_RING_MINUTES overrides). */
export const RING_DEFAULT_MINUTES = 10;
/** How many bytes the ring may hold by default (EBPFSH_RING_MB overrides). */
export const RING_DEFAULT_MB = 32;
/** The loss cause of an event the ring evicted before a capture took it (a real loss: the event is not in the capture). */
export const RING_EVICTED = 'ring_evicted';

/** The ring's bounds: whichever comes first. */
export interface RingLimits {
  /** Oldest event kept, in ns before now. */
  maxNs: number;
  /** Bytes of the events kept, in their compact form (records and index: real bytes, see EventArena). */
  maxBytes: number;
}

/** Losses the ring knows of during its span: its own evictions (cause ring_evicted) and the engine's losses it sampled. */
export interface RingLoss {
  probe: string;
  cause: string;
  /** Kernel monotonic ns: the loss happened (the evicted events' timestamps lie) in [startNs, endNs]. */
  startNs: number;
  endNs: number;
  count: number;
}

/** A journal entry of the shell with its kernel monotonic time. */
export interface RingJournalEntry extends JournalEntry {
  ts: number;
}

/** What a capture takes from the ring: everything from `sinceNs` on. */
export interface RingSnapshot {
  /** Window start and end, kernel monotonic ns. */
  sinceNs: number;
  untilNs: number;
  /** Kept events with ts >= sinceNs, oldest first (decoded when read: take them with slice()). */
  events: RingEvents;
  /** Probes attached at sinceNs, with when each was attached (may be before the window). */
  attached: { attachment: Attachment; sinceNs: number }[];
  /** Attach, detach and filter changes inside the window, in order. */
  changes: RingJournalEntry[];
  /** Evictions and engine losses whose interval reaches into the window. */
  losses: RingLoss[];
}

/** Figures of the ring (status line, :help, tests). */
export interface RingStats {
  events: number;
  /** Bytes of the events kept (what maxBytes bounds). */
  bytes: number;
  /** Bytes the ring's buffers hold in memory (bytes plus the unused and evicted parts of its two end chunks). */
  allocated: number;
  /** Events evicted since the shell started. */
  evicted: number;
}

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

// Evicted events and sampled losses are counted in buckets of at most this span, and at most MAX_BUCKETS per
// probe and cause (the two oldest merge): the totals stay exact, old intervals only get coarser.
const BUCKET_NS = 1e9;
const MAX_BUCKETS = 1024;

class LossBuckets {
  // probe -> cause -> buckets (nested, so counting an eviction builds no key string)
  private readonly byProbe = new Map<string, Map<string, RingLoss[]>>();

  add(probe: string, cause: string, startNs: number, endNs: number, count: number): void {
    let causes = this.byProbe.get(probe);
    if (!causes) this.byProbe.set(probe, (causes = new Map()));
    let list = causes.get(cause);
    if (!list) causes.set(cause, (list = []));
    const last = list[list.length - 1];
    if (last && startNs - last.startNs < BUCKET_NS && startNs >= last.startNs) {
      if (endNs > last.endNs) last.endNs = endNs;
      last.count += count;
      return;
    }
    list.push({ probe, cause, startNs, endNs, count });
    if (list.length > MAX_BUCKETS) {
      const [a, b] = list.splice(0, 2) as [RingLoss, RingLoss];
      list.unshift({ probe, cause, startNs: Math.min(a.startNs, b.startNs), endNs: Math.max(a.endNs, b.endNs), count: a.count + b.count });
    }
  }

  /** Buckets whose interval ends at or after `sinceNs`. */
  from(sinceNs: number): RingLoss[] {
    const out: RingLoss[] = [];
    for (const causes of this.byProbe.values()) for (const list of causes.values()) for (const l of list) if (l.endNs >= sinceNs) out.push({ ...l });
    return out.sort((a, b) => a.startNs - b.startNs);
  }

  /** Drops buckets that ended before `ns` (outside any window a capture may ask for). */
  prune(ns: number): void {
    for (const [probe, causes] of this.byProbe) {
      for (const [cause, list] of causes) {
        let i = 0;
        while (i < list.length && list[i]!.endNs < ns) i++;
        if (i) list.splice(0, i);
        if (!list.length) causes.delete(cause);
      }
      if (!causes.size) this.byProbe.delete(probe);
    }
  }
}

/**
 * The shell's flight recorder: the last minutes of events of every attached
 * probe, kept in memory whether or not anything is recording, so `:record
 * --since 5m` can start a capture with the minutes before it. Bounded by
 * time and by bytes (events are kept in a compact form outside the V8 heap,
 * so the bytes are real); when a bound is hit the oldest events go,
 * counted per probe with the time range they covered (never silently). It
 * also keeps the shell's attach/detach/filter history and the engine's loss
 * counts over the same span, so a capture made from it can say what was
 * watched and what was lost.
 */
export class FlightRing {
  private readonly arena = new EventArena();
  private evictedTotal = 0;
  /** Newest timestamp of an event evicted by the byte bound: the ring is complete only after it. */
  private evictedUntilNs = -Infinity;
  private readonly losses = new LossBuckets();
  private readonly lossPrev = new Map<string, Record<string, number>>();
  private lossSampledNs: number;
  /** Probes attached before the oldest change kept, with their attach time. */
  private base = new Map<string, { attachment: Attachment; sinceNs: number }>();
  private history: RingJournalEntry[] = [];
  /** Kernel monotonic ns when the ring started (the shell's start): nothing was watched before. */
  readonly startNs: number;

  constructor(
    readonly limits: RingLimits,
    private readonly now: () => number = monoNs,
  ) {
    this.startNs = now();
    this.lossSampledNs = this.startNs;
  }

  /** Takes a batch of events (the engine's order). */
  push(batch: readonly TraceEvent[]): void {
    const arena = this.arena;
    for (const e of batch) arena.push(e);
    while (arena.bytes > this.limits.maxBytes && arena.length) {
      const ts = arena.headTs();
      if (ts > this.evictedUntilNs) this.evictedUntilNs = ts;
      this.evictOne();
    }
    this.trim();
  }

  /** Evicts events older than the time bound, and history and loss counts no window can reach. */
  trim(nowNs = this.now()): void {
    const cutoff = nowNs - this.limits.maxNs;
    while (this.arena.length && this.arena.headTs() < cutoff) this.evictOne();
    this.losses.prune(cutoff);
    let i = 0;
    while (i < this.history.length && this.history[i]!.ts < cutoff) this.applyToBase(this.history[i++]!);
    if (i) this.history.splice(0, i);
  }

  private evictOne(): void {
    const ts = this.arena.headTs();
    this.losses.add(this.arena.headProbe(), RING_EVICTED, ts, ts, 1);
    this.arena.dropHead();
    this.evictedTotal++;
  }

  /** Notes an attach, detach or filter change of the shell (at `ts`, kernel monotonic ns). */
  journal(entry: JournalEntry, ts = this.now()): void {
    this.history.push({ ...entry, ts });
  }

  /** Samples the engine's loss counters: what was lost since the last sample is kept over the ring's span. */
  sampleLosses(counters: readonly ProbeCounters[], nowNs = this.now()): void {
    for (const c of counters) {
      const prev = this.lossPrev.get(c.probe);
      for (const [cause, n] of Object.entries(c.losses)) {
        const d = n - (prev?.[cause] ?? 0);
        if (d > 0) this.losses.add(c.probe, cause, this.lossSampledNs, nowNs, d);
      }
      this.lossPrev.set(c.probe, { ...c.losses });
    }
    this.lossSampledNs = nowNs;
  }

  /** Monotonic ns from which the ring holds every event its probes delivered (nothing evicted after it). */
  completeSinceNs(nowNs = this.now()): number {
    return Math.max(this.startNs, this.evictedUntilNs, nowNs - this.limits.maxNs);
  }

  /** How far back the ring holds everything, in ns (the status line's `ring 9m58s`). */
  spanNs(nowNs = this.now()): number {
    return Math.max(0, nowNs - this.completeSinceNs(nowNs));
  }

  /** Live figures. */
  stats(): RingStats {
    return { events: this.arena.length, bytes: this.arena.bytes, allocated: this.arena.allocatedBytes, evicted: this.evictedTotal };
  }

  /**
   * Everything from `sinceNs` (clamped to the ring's start) to now: the kept
   * events, who was attached at the window's start and the changes since, and
   * the losses that reach into it. Take it in the same tick as a capture
   * subscribes to the engine, so no batch is in neither or in both.
   */
  snapshot(sinceNs: number, nowNs = this.now()): RingSnapshot {
    this.trim(nowNs);
    const from = Math.max(sinceNs, this.startNs, nowNs - this.limits.maxNs);
    const events = this.arena.from(from);
    const state = new Map(this.base);
    const changes: RingJournalEntry[] = [];
    for (const h of this.history) {
      if (h.ts < from) applyEntry(state, h);
      else changes.push(h);
    }
    return { sinceNs: from, untilNs: nowNs, events, attached: [...state.values()], changes, losses: this.losses.from(from) };
  }

  private applyToBase(h: RingJournalEntry): void {
    applyEntry(this.base, h);
  }
}

function applyEntry(state: Map<string, { attachment: Attachment; sinceNs: number }>, h: RingJournalEntry): void {
  const name = h.attachment.probe.name;
  if (h.action === 'detach') state.delete(name);
  else state.set(name, { attachment: h.attachment, sinceNs: h.action === 'attach' ? h.ts : (state.get(name)?.sinceNs ?? h.ts) });
}

function positiveNumber(env: Record<string, string | undefined>, name: string, def: number, max: number, unit: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0) || n > max)
    throw new SessionError(`${name}=${raw.slice(0, 40)} is not a number of ${unit} above 0 and at most ${max} (e.g. ${name}=${def})`);
  return n;
}

/** The ring's bounds from EBPFSH_RING_MINUTES and EBPFSH_RING_MB (defaults 10 and 32); throws a SessionError naming the fix. */
export function ringLimitsFromEnv(env: Record<string, string | undefined> = process.env): RingLimits {
  const minutes = positiveNumber(env, 'EBPFSH_RING_MINUTES', RING_DEFAULT_MINUTES, 24 * 60, 'minutes');
  const mb = positiveNumber(env, 'EBPFSH_RING_MB', RING_DEFAULT_MB, 64 * 1024, 'MiB');
  return { maxNs: Math.round(minutes * 60e9), maxBytes: Math.round(mb * 1024 * 1024) };
}

/**
 * Parses a look-back duration: `all` (the whole ring), or a number with a
 * unit s, m or h (`90s`, `5m`, `1.5h`). Returns ns (Infinity for all).
 */
export function parseLookBack(text: string): number {
  if (text === 'all') return Infinity;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text);
  if (!m || !(Number(m[1]) > 0)) throw new SessionError(`--since takes a duration such as 90s, 5m or 1h, or all (the whole ring), not '${text.slice(0, 40)}'`);
  return Number(m[1]) * { s: 1e9, m: 60e9, h: 3600e9 }[m[2] as 's' | 'm' | 'h'];
}
