import { ProbeError, isDeliveredCause, type Engine, type EngineOptions, type Attachment, type ProbeCounters, type ReaderHealth } from '../engine/index.js';
import { explainFilters, keysNotApplying, parseFilters, type Filters } from '../event/index.js';
import { type ProbeSpec } from '../probes/index.js';
import { escapeTerminal } from '../text/index.js';
import { TEXT_HEADER } from './event-format.js';
import { TraceOutput } from './trace-output.js';
import { parseProbeList, profileOnly } from './probe-list.js';
import { UsageError, errorLine } from './errors.js';
import type { Signals } from './signals.js';

/** Options of `ebpfsh trace`. */
export interface TraceOptions {
  json?: boolean;
  explain?: boolean;
  header?: boolean;
  duration?: number;
  count?: number;
  /** Ctrl-C, SIGTERM and SIGHUP stop the trace (src/main.ts owns them). */
  signals: Signals;
  /** Builds the live engine (src/main.ts) with trace's reader settings; the trace closes it. */
  newEngine(opts?: EngineOptions): Engine;
}

/** Parsed probes and filters of a trace/record invocation. */
export interface TracePlan {
  probes: ProbeSpec[];
  filters: Filters;
  /** Probes only a profile named: one this kernel cannot load is left out (and said), not fatal. */
  optional: Set<ProbeSpec>;
}

/** What attaching a plan did. */
export interface PlanAttachment {
  attached: Attachment[];
  /** The optional probes that could not attach, with why. */
  skipped: { probe: ProbeSpec; reason: string }[];
}

/** Parses `execsnoop,open uid=1000 path=/etc/` into a plan; throws with a clear message. */
export function planTrace(probeArg: string, filterWords: string[]): TracePlan {
  const probes = parseProbeList(probeArg);
  return { probes, filters: parseFilters(filterWords, probes), optional: profileOnly(probeArg) };
}

/** The --explain text: where each clause runs, per probe (a clause on a key the probe lacks is n/a there). */
export function explainPlan(plan: TracePlan): string {
  return plan.probes.map((p) => `${p.name}: ${explainFilters(plan.filters, p)}`).join('\n');
}

/** `` or ` (path n/a to tcpconnect)`: the clauses that do not apply to some probes, said where filters are. */
export function notApplyingNote(plan: TracePlan): string {
  const byKey = new Map<string, string[]>();
  for (const p of plan.probes) for (const k of keysNotApplying(plan.filters, p)) byKey.set(k, [...(byKey.get(k) ?? []), p.name]);
  if (!byKey.size) return '';
  const list = (names: string[]) => (names.length > 3 ? `${names.length} probes` : names.join(', '));
  return ` (${[...byKey].map(([k, names]) => `${k} n/a to ${list(names)}`).join('; ')})`;
}

/**
 * Attaches every probe of the plan, or none (detaching what did attach);
 * a probe only a profile named may fail alone, and is reported as skipped.
 */
export function attachAll(engine: Pick<Engine, 'attach' | 'detach'>, plan: TracePlan): PlanAttachment {
  const out: PlanAttachment = { attached: [], skipped: [] };
  try {
    for (const p of plan.probes) {
      try {
        out.attached.push(engine.attach(p, plan.filters));
      } catch (e) {
        if (!plan.optional.has(p)) throw e;
        out.skipped.push({ probe: p, reason: errorLine(e) });
      }
    }
    if (!out.attached.length) throw new ProbeError(`no probe could be attached: ${out.skipped.map((s) => `${s.probe.name}: ${s.reason}`).join('; ')}`);
  } catch (e) {
    for (const a of out.attached) engine.detach(a.probe);
    throw e;
  }
  return out;
}

/** `not attached: mount (cannot load ...): the rest of the profile is` */
export function skippedLine(s: PlanAttachment['skipped'][number]): string {
  return `not attached: ${s.probe.name} (${s.reason}); the rest of the profile is`;
}

/** `attached execsnoop via tp_btf/sched_process_exec (41 ms)` */
export function attachedLine(a: Attachment): string {
  const miss = a.missing.length ? `; without ${a.missing.map((m) => m.split(':')[0]).join(', ')}` : '';
  return `attached ${a.probe.name} via ${a.attachPoints.join(', ')} in ${a.attachMs.toFixed(0)} ms${miss}`;
}

/**
 * Per-probe loss summary lines for what moved since `prev`. string_fault and
 * truncated events were delivered (degraded), so they are never called lost.
 */
export function lossLines(now: ProbeCounters[], prev: Map<string, ProbeCounters>): string[] {
  const out: string[] = [];
  for (const c of now) {
    const p = prev.get(c.probe);
    for (const [cause, n] of Object.entries(c.losses)) {
      const before = p?.losses[cause as keyof typeof c.losses] ?? 0;
      if (n <= before) continue;
      const what = isDeliveredCause(cause) ? 'events delivered degraded' : 'events lost';
      out.push(`${c.probe}: ${n - before} ${what} (${cause}; ${n} in all)`);
    }
  }
  return out;
}

/** Lines for losses that belong to no probe (records whose framing was bad), since `prev`. */
export function sessionLossLines(now: Record<string, number>, prev: Record<string, number>): string[] {
  const out: string[] = [];
  for (const [cause, n] of Object.entries(now)) if (n > (prev[cause] ?? 0)) out.push(`${n - (prev[cause] ?? 0)} records lost, probe unknown (${cause}; ${n} in all)`);
  return out;
}

/** Lines for reader failures that lose no known event (poll errors, consumers that threw), since `prev`. */
export function healthLines(now: ReaderHealth, prev: ReaderHealth | undefined): string[] {
  const out: string[] = [];
  const polls = now.pollErrors - (prev?.pollErrors ?? 0);
  if (polls > 0) out.push(`reading the ring buffer failed ${polls} times (last errno ${now.lastPollErrno})`);
  const listeners = now.listenerErrors - (prev?.listenerErrors ?? 0);
  if (listeners > 0) out.push(`an event consumer failed ${listeners} times (last: ${escapeTerminal(now.lastListenerError)}); its events are counted as listener_error`);
  return out;
}

/**
 * `execsnoop: 12 events (1 degraded: 1 string_fault), 0 filtered in userspace, losses: none`:
 * each event counted once, degraded ones among the delivered, never among the losses.
 * With `printed` (trace -n stops printing early) and fewer printed than received:
 * `execsnoop: 4 events printed of 37 received, ...`.
 */
export function summaryLine(c: ProbeCounters, printed?: number): string {
  const moved = Object.entries(c.losses).filter(([, n]) => n > 0);
  const lostList = moved.filter(([k]) => !isDeliveredCause(k));
  const degraded = moved.filter(([k]) => isDeliveredCause(k));
  const lost = lostList.length ? lostList.map(([k, n]) => `${n} ${k}`).join(', ') : 'none';
  const deg = degraded.length ? ` (${degraded.reduce((s, [, n]) => s + n, 0)} degraded: ${degraded.map(([k, n]) => `${n} ${k}`).join(', ')})` : '';
  const count = printed !== undefined && printed !== c.events ? `${printed} events printed of ${c.events} received` : `${c.events} events`;
  return `${c.probe}: ${count}${deg}, ${c.filtered} filtered in userspace, losses: ${lost}`;
}

/**
 * The reader of a bulk command (trace, record): the kernel wakes it only past
 * 2 MiB pending (the engine's default, the shell's, is 256 KiB), so in a storm
 * the 10 ms drain timer alone paces it. Past the threshold every record
 * submitted forces a wakeup (bpf/lib/emit.h), an irq_work on the traced task's
 * CPU each time the last one ran: at 256 KiB the open storm (~0.8 MiB per
 * 10 ms) crossed it every timer period. A line's latency stays the timer's;
 * 2 MiB is 1/8 of the 16 MiB ring.
 */
export const BULK_READER: EngineOptions = { wakeupBytes: 2 << 20 };

/** Runs `ebpfsh trace` until Ctrl-C, SIGTERM, --duration or --count. */
export async function runTrace(probeArg: string, filterWords: string[], opts: TraceOptions): Promise<number> {
  const plan = planTrace(probeArg, filterWords);
  if (opts.explain) {
    process.stdout.write(explainPlan(plan) + '\n');
    return 0;
  }
  if (opts.count !== undefined && !(opts.count > 0)) throw new UsageError('--count must be a positive number');
  if (opts.duration !== undefined && !(opts.duration > 0)) throw new UsageError('--duration must be a positive number of seconds');
  const engine = opts.newEngine(BULK_READER);
  const out = process.stdout;
  let stopping: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (stopping = resolve));
  out.on('error', () => stopping?.()); // EPIPE: reader went away (| head)

  // One write per batch, formatted straight into bytes (src/commands/trace-output.ts).
  const output = new TraceOutput(out, { json: opts.json, count: opts.count });
  engine.onEvents((events) => {
    output.push(events, engine.clock);
    if (output.full) stopping?.();
  });

  try {
    const done = attachAll(engine, plan);
    for (const a of done.attached) process.stderr.write(`ebpfsh: ${attachedLine(a)}\n`);
    for (const s of done.skipped) process.stderr.write(`ebpfsh: ${skippedLine(s)}\n`);
  } catch (e) {
    engine.close();
    throw e;
  }
  if (!opts.json && opts.header !== false) out.write(TEXT_HEADER + '\n');
  // Listening before "Ctrl-C to stop" is said: a signal sent on seeing that line must find the handler.
  const unlisten = opts.signals.onStop(() => stopping?.());
  process.stderr.write(`ebpfsh: filters: ${explainFilters(plan.filters)}${notApplyingNote(plan)}; Ctrl-C to stop\n`);

  let prev = new Map<string, ProbeCounters>();
  let prevSession: Record<string, number> = {};
  let prevHealth: ReaderHealth | undefined;
  const reportLosses = () => {
    const now = engine.counters();
    const session = engine.sessionLosses();
    const health = engine.readerHealth();
    for (const l of [...lossLines(now, prev), ...sessionLossLines(session, prevSession), ...healthLines(health, prevHealth)]) process.stderr.write(`ebpfsh: ${l}\n`);
    prev = new Map(now.map((c) => [c.probe, c]));
    prevSession = { ...session };
    prevHealth = health;
    return now;
  };
  const lossTimer = setInterval(reportLosses, 1000);
  const timer = opts.duration ? setTimeout(() => stopping?.(), opts.duration * 1000) : undefined;

  await stopped;
  clearInterval(lossTimer);
  if (timer) clearTimeout(timer);
  for (const a of engine.attachments()) engine.detach(a.probe);
  // Records already in the ring and the reader's queue arrive before the summary.
  if (!(await engine.drain())) process.stderr.write('ebpfsh: the reader did not drain the ring within 5 s; what it still held is not in this output\n');
  const final = reportLosses();
  // With -n the engine kept receiving after the last line printed: say both counts.
  for (const c of final) process.stderr.write(`ebpfsh: ${summaryLine(c, opts.count !== undefined ? (output.printedBy.get(c.probe) ?? 0) : undefined)}\n`);
  engine.close();
  unlisten();
  return 0;
}
