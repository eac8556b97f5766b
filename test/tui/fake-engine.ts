import { LOSS_CAUSES, ProbeError, type Attachment, type LossCause, type ProbeCounters } from '../../src/engine/index.js';
import type { Filters, TraceEvent } from '../../src/event/index.js';
import type { ProbeSpec } from '../../src/probes/index.js';
import type { ShellEngine } from '../../src/session/index.js';

/** An engine without a kernel: attach/detach bookkeeping, and events emitted by the test. */
export class FakeEngine implements ShellEngine {
  readonly clock = { offsetNs: 0 };
  readonly live = new Map<ProbeSpec, Attachment>();
  readonly counts = new Map<string, ProbeCounters>();
  failNext: string | null = null;
  closed = false;
  private listeners = new Set<(e: TraceEvent[]) => void>();

  attach(probe: ProbeSpec, filters: Filters): Attachment {
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = null;
      throw new ProbeError(m, 'EPERM');
    }
    const prev = this.live.get(probe);
    const a: Attachment = prev
      ? { ...prev, filters }
      : { probe, filters, attachPoints: [`fake/${probe.name}`], missing: [], attachedAt: Date.now(), attachMs: 1 };
    this.live.set(probe, a);
    if (!this.counts.has(probe.name))
      this.counts.set(probe.name, { probe: probe.name, events: 0, filtered: 0, losses: Object.fromEntries(LOSS_CAUSES.map((c) => [c, 0])) as Record<LossCause, number> });
    return a;
  }

  detach(probe: ProbeSpec): Attachment {
    const a = this.live.get(probe);
    if (!a) throw new ProbeError(`${probe.name} is not attached`);
    this.live.delete(probe);
    return a;
  }

  detachMany(probes: readonly ProbeSpec[]): Attachment[] {
    return probes.map((p) => this.detach(p));
  }

  attachments(): Attachment[] {
    return [...this.live.values()];
  }

  counters(): ProbeCounters[] {
    return [...this.counts.values()];
  }

  onEvents(l: (e: TraceEvent[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Delivers a batch as the engine would. */
  emit(events: TraceEvent[]): void {
    for (const e of events) {
      const c = this.counts.get(e.probe);
      if (c) c.events++;
    }
    for (const l of this.listeners) l(events);
  }

  close(): void {
    this.closed = true;
  }
}

let ts = 1_000_000_000;

/** An exec event. */
export function execEvent(o: { pid: number; ppid?: number; uid?: number; comm?: TraceEvent['comm']; argv?: TraceEvent['comm'][]; filename?: TraceEvent['comm'] }): TraceEvent {
  const argv = o.argv ?? ['/bin/true'];
  return {
    ts: (ts += 1000),
    kind: 0,
    pid: o.pid,
    tid: o.pid,
    ppid: o.ppid ?? 1,
    uid: o.uid ?? 1000,
    gid: o.uid ?? 1000,
    cgroup: 1,
    pidns: 4026531836,
    nspid: o.pid,
    comm: o.comm ?? 'true',
    probe: 'execsnoop',
    fields: { ret: 0, filename: o.filename ?? argv[0]!, exe: typeof argv[0] === 'string' ? argv[0] : '/bin/x', argv, argc: argv.length, args_size: 10, truncated: 0 },
  };
}

/** An open event. */
export function openEvent(o: { pid: number; comm?: TraceEvent['comm']; path: TraceEvent['comm']; uid?: number; ret?: number }): TraceEvent {
  return {
    ts: (ts += 1000),
    kind: 0,
    pid: o.pid,
    tid: o.pid,
    ppid: 1,
    uid: o.uid ?? 0,
    gid: 0,
    cgroup: 1,
    pidns: 4026531836,
    nspid: o.pid,
    comm: o.comm ?? 'cat',
    probe: 'opensnoop',
    fields: { ret: o.ret ?? 3, path: o.path, raw_path: o.path, flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 },
  };
}
