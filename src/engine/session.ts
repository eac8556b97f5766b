import { existsSync } from 'node:fs';
import { BPF_BUILD_DIR, HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, type EventSource, type Filters, type Layouts, type ReaderHealth, type TraceEvent } from '../event/index.js';
import { PROBES, probeById, probeId, type ProbeSpec } from '../probes/index.js';
import { sampleClock, type Clock } from './clock.js';
import { ProbeError, isNativeError, type NativeError } from './errors.js';
import { FollowTracker } from './follow.js';
import { clearKernelFilters, removeStaleSets, turnOffKernelFilter, u32, writeKernelFilters } from './kernel-filters.js';
import { KERNEL_LOSS_CAUSES, LOSS_STRIDE, MAPS, SHARED_MAPS } from './maps.js';
import { LOSS_CAUSES, type LossCause } from './losses.js';
import { nativeBackend, type Backend, type LoadOptions, type NativeSession, type ReaderStats } from './native.js';
import { assertCanTrace } from './preflight.js';
import { programPath } from '../runtime/index.js';

export type { ReaderHealth } from '../event/index.js';
export { LOSS_CAUSES, DELIVERED_CAUSES, SESSION_LOSS_CAUSES, isDeliveredCause, lostTotal, degradedTotal, type LossCause } from './losses.js';

/** A probe attached in this session. */
export interface Attachment {
  probe: ProbeSpec;
  filters: Filters;
  /** Attach points actually in use, e.g. `tp_btf/sched_process_exec`. */
  attachPoints: string[];
  /** Optional hooks this kernel refused, with why. */
  missing: string[];
  /** Wall-clock ms when attached. */
  attachedAt: number;
  /** Load + attach time in ms. */
  attachMs: number;
}

/** Live counters of one probe. */
export interface ProbeCounters {
  probe: string;
  /** Events delivered (after userspace filters). */
  events: number;
  /** Events the userspace part of the filter rejected. */
  filtered: number;
  losses: Record<LossCause, number>;
}

/** Engine options. */
export interface EngineOptions {
  backend?: Backend;
  /** Ring buffer bytes (power of two). */
  ringBytes?: number;
  /** Reader drain interval. */
  flushMs?: number;
  /** Kernel wakes the reader early past this many pending bytes. */
  wakeupBytes?: number;
  /** Bytes handed to JS but not yet consumed before the reader drops (counted). */
  maxPendingBytes?: number;
  /** Directory of the built objects and layouts.json (default: the program's own, see src/runtime). */
  buildDir?: string;
  /**
   * Keep a detached probe loaded but unattached (loaded again off the JS
   * thread), so attaching it again only attaches: the shell's `:attach`.
   */
  keepSpares?: boolean;
  /**
   * How long after a detach's unload the spare starts loading: the verifier
   * then takes a CPU away from a storm the responder just stopped watching,
   * not from the moment they detached.
   */
  spareDelayMs?: number;
}

/** True when one of the probe's attach choices is a tracepoint (libbpf finds its id through tracefs). */
function usesTracepoints(probe: ProbeSpec): boolean {
  return probe.hooks.some((h) => h.choices.some((c) => c.attach.startsWith('tracepoint/')));
}

/** One attach of a loaded program: at its own section's hook, or at tracepoint `target`. */
interface ProgramAttach {
  program: string;
  target?: string;
}

/** What a load chose and the kernel accepted: a spare is loaded with the same. */
interface Loaded {
  objectId: number;
  links: number[];
  points: string[];
  missing: string[];
  /** Programs loaded, each once. */
  programs: string[];
  attaches: ProgramAttach[];
}

/** A probe's object loaded ahead, not attached, its filter off (prepare). */
interface Spare {
  objectId: number;
  instance: number;
  programs: string[];
  attaches: ProgramAttach[];
  points: string[];
  missing: string[];
}

interface Live {
  attachment: Attachment;
  objectId: number;
  programs: string[];
  attaches: ProgramAttach[];
  /** targ_instance of the loaded object: the kernel filter turns on this load only. */
  instance: number;
  links: number[];
  followRoots: number[];
}

type Listener = (events: TraceEvent[]) => void;

/**
 * A live tracing session: the single source of truth for what is attached,
 * with which filters, and what was seen and lost. No React, no SQL.
 */
export class Engine implements EventSource {
  /** Monotonic -> wall clock offset sampled at start. */
  readonly clock: Clock = sampleClock();
  private readonly backend: Backend;
  private native: NativeSession | undefined;
  private readonly layouts: Layouts;
  private readonly header: HeaderDecoder;
  private readonly decoders = new Map<number, RecordDecoder>();
  private readonly matchers = new Map<number, ((e: TraceEvent) => boolean) | null>();
  private readonly live = new Map<number, Live>();
  private readonly counts = new Map<number, { events: number; filtered: number; decode: number; listener: number }>();
  private readonly gens = new Map<number, number>();
  /** Loads so far: each object gets its own targ_instance, which the kernel filter names. */
  private instances = 0;
  private framingErrors = 0;
  private listenerErrors = 0;
  private lastListenerError = '';
  /** Kernel loss counters and reader stats as they were at close (the maps are gone after it). */
  private closedKernel: Map<number, number> | undefined;
  private closedStats: ReaderStats | null = null;
  private readonly listeners = new Set<Listener>();
  /** Native unloads still running on a worker thread (see detachMany). */
  private readonly unloads = new Set<Promise<void>>();
  private follow: FollowTracker | undefined;
  private readerStarted = false;
  private tracefsChecked = false;
  private tracefsProblem: string | undefined;
  private closed = false;
  private readonly opts: Required<Omit<EngineOptions, 'backend' | 'buildDir'>>;
  /** Where the BPF objects are: opts.buildDir, or the program's own (a checkout's build/bpf/, or inside the release). */
  private readonly buildDir: string | undefined;
  /** Loaded-but-unattached objects by probe id; a token while one loads. */
  private readonly spares = new Map<number, Spare | { loading: true }>();
  /** Spare loads in flight by probe id, and when each began: an attach may wait for its own. */
  private readonly landing = new Map<number, { done: Promise<void>; started: number }>();
  /** How long each spare load took on the worker (ms): what waiting for one is weighed against. */
  private readonly spareLoadMs: number[] = [];
  /** Probes waiting to be loaded ahead (preload), in order; one loads at a time. */
  private readonly preloadQueue: ProbeSpec[] = [];
  private preloading = false;

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      ringBytes: opts.ringBytes ?? 16 << 20,
      flushMs: opts.flushMs ?? 10,
      wakeupBytes: opts.wakeupBytes ?? 256 << 10,
      maxPendingBytes: opts.maxPendingBytes ?? 64 << 20,
      keepSpares: opts.keepSpares ?? false,
      spareDelayMs: opts.spareDelayMs ?? 500,
    };
    this.buildDir = opts.buildDir;
    this.backend = opts.backend ?? nativeBackend();
    this.layouts = loadLayouts(this.buildDir === undefined ? undefined : this.buildDir + 'layouts.json');
    this.header = new HeaderDecoder(this.layouts);
    for (const p of PROBES) this.decoders.set(probeId(p), new RecordDecoder(p, this.layouts, this.header));
  }

  /** Receives every batch of decoded, filtered events. Returns an unsubscribe. */
  onEvents(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Attached probes, in attach order. */
  attachments(): Attachment[] {
    return [...this.live.values()].map((l) => l.attachment);
  }

  /** The attachment of `probe`, if attached. */
  attachment(probe: ProbeSpec): Attachment | undefined {
    return this.live.get(probeId(probe))?.attachment;
  }

  /**
   * Loads and attaches `probe` with `filters`. Attaching a probe that is
   * already attached replaces its filters (no reload).
   */
  attach(probe: ProbeSpec, filters: Filters): Attachment {
    if (this.closed) throw new ProbeError('the session is closed');
    const id = probeId(probe);
    const existing = this.live.get(id);
    if (existing) return this.setFilters(probe, filters);
    assertCanTrace(`attach ${probe.name}`);
    const objectPath = this.objectPath(probe.object);
    const started = performance.now();
    const native = this.session();
    this.ensureTracefs(usesTracepoints(probe));

    const followRoots = (filters.clauses.find((c) => c.key === 'follow')?.values as number[] | undefined) ?? [];
    const followMask = followRoots.length ? this.followTracker().acquire(followRoots) : 0n;
    let loaded: Loaded | undefined;
    let instance = 0;
    const spare = this.takeSpare(id);
    if (spare) {
      // Loaded ahead: only the attach is left (the verifier already ran).
      instance = spare.instance;
      loaded = this.attachSpare(probe, spare);
    }
    if (!loaded) {
      instance = ++this.instances;
      try {
        loaded = this.loadAndAttach(probe, objectPath, instance);
      } catch (e) {
        if (followRoots.length) this.follow?.release(followRoots);
        throw e;
      }
    }
    // The probe's entry is off until now (zeroed, or cleared by detach), so the
    // programs emit nothing until this writes the sets and then turns it on.
    // If that write fails the probe is attached but unusable: unload it, so no
    // object or link outlives the error.
    try {
      writeKernelFilters(native, this.layouts, id, filters, { active: true, followMask, gen: this.nextGen(id), wasActive: false, instance });
    } catch (e) {
      native.unload(loaded.objectId);
      try {
        clearKernelFilters(native, this.layouts, id);
      } catch {
        // the entry stays off: nothing was turned on
      }
      if (followRoots.length) this.follow?.release(followRoots);
      throw this.filterError(probe, e);
    }
    this.matchers.set(id, compileMatcher(filters, probe));
    this.startReader();
    const attachment: Attachment = {
      probe,
      filters,
      attachPoints: loaded.points,
      missing: loaded.missing,
      attachedAt: Date.now(),
      attachMs: performance.now() - started,
    };
    this.live.set(id, { attachment, objectId: loaded.objectId, programs: loaded.programs, attaches: loaded.attaches, instance, links: loaded.links, followRoots });
    if (!this.counts.has(id)) this.counts.set(id, { events: 0, filtered: 0, decode: 0, listener: 0 });
    return attachment;
  }

  /**
   * Loads and attaches `probe` with its kernel filter off (nothing is
   * emitted), reports what this kernel accepts, and unloads it again.
   */
  check(probe: ProbeSpec): Pick<Attachment, 'attachPoints' | 'missing' | 'attachMs'> {
    const live = this.live.get(probeId(probe));
    if (live) return live.attachment;
    assertCanTrace(`load ${probe.name}`);
    const started = performance.now();
    this.ensureTracefs(usesTracepoints(probe));
    const loaded = this.loadAndAttach(probe, this.objectPath(probe.object), ++this.instances);
    this.session().unload(loaded.objectId);
    return { attachPoints: loaded.points, missing: loaded.missing, attachMs: performance.now() - started };
  }

  /**
   * Whether this kernel loads and attaches one program of an object, alone
   * (nothing it could emit is turned on) and unloaded at once: null, or the
   * kernel's refusal. For `ebpfsh doctor`'s attach-type checks.
   */
  tryProgram(object: string, program: string): string | null {
    assertCanTrace(`load ${object}`);
    const native = this.session();
    this.ensureTracefs(true);
    let id: number | undefined;
    try {
      id = native.load(this.objectPath(object), { programs: [program], ...this.loadBase(0) });
      native.attach(id, program);
      return null;
    } catch (e) {
      if (!isNativeError(e)) throw e;
      // the stage and the errno say it plainly: "refused at load (EPERM)", "refused at attach (ENOENT)"
      return `refused at ${id === undefined ? 'load' : 'attach'} (${e.code ?? e.message})`;
    } finally {
      if (id !== undefined) native.unload(id);
    }
  }

  /** Changes an attached probe's filters without reloading it. */
  setFilters(probe: ProbeSpec, filters: Filters): Attachment {
    const id = probeId(probe);
    const l = this.live.get(id);
    if (!l) throw new ProbeError(`${probe.name} is not attached (attach it first)`);
    const roots = (filters.clauses.find((c) => c.key === 'follow')?.values as number[] | undefined) ?? [];
    const mask = roots.length ? this.followTracker().acquire(roots) : 0n;
    try {
      writeKernelFilters(this.session(), this.layouts, id, filters, { active: true, followMask: mask, gen: this.nextGen(id), wasActive: true, instance: l.instance });
    } catch (e) {
      // The old filter is still in force (see writeKernelFilters).
      if (roots.length) this.follow?.release(roots);
      throw this.filterError(probe, e);
    }
    if (l.followRoots.length) this.follow?.release(l.followRoots);
    l.followRoots = roots;
    this.matchers.set(id, compileMatcher(filters, probe));
    l.attachment = { ...l.attachment, filters };
    return l.attachment;
  }

  /** Detaches `probe`: nothing more is emitted; records already in flight still arrive. */
  detach(probe: ProbeSpec): Attachment {
    const [a] = this.detachMany([probe]);
    return a!;
  }

  /**
   * Detaches several probes at once: their links are torn down together, so
   * a profile's ~100 programs cost about one kernel grace period, not one each.
   */
  detachMany(probes: readonly ProbeSpec[]): Attachment[] {
    const gone = probes.map((probe) => {
      const l = this.live.get(probeId(probe));
      if (!l) throw new ProbeError(`${probe.name} is not attached`);
      return { id: probeId(probe), l };
    });
    if (!gone.length) return [];
    const native = this.session();
    const objectIds = gone.map(({ l }) => l.objectId);
    if (!native.unloadAsync) {
      for (const { id } of gone) this.tryKernel(() => clearKernelFilters(native, this.layouts, id));
      native.unload(...objectIds);
    } else {
      // Off in the kernel now (the entry names this load's instance, so a
      // re-attach's programs are unaffected); the grace period and the link
      // teardown run on a worker thread, so a detach under a storm never holds
      // the UI. The sets go once no program can still read them.
      for (const { id } of gone) this.tryKernel(() => turnOffKernelFilter(native, this.layouts, id));
      const upTo = gone.map(({ id }) => this.gens.get(id) ?? 0);
      const done = native.unloadAsync(...objectIds).then(() => {
        if (this.closed) return;
        gone.forEach(({ id }, i) => this.tryKernel(() => removeStaleSets(native, this.layouts, id, upTo[i]!, this.live.has(id) ? this.gens.get(id) : undefined)));
      });
      const tracked = done.catch(() => {
        // The worker reports no failure of its own; a set left behind belongs to an old generation.
      });
      this.unloads.add(tracked);
      void tracked.finally(() => this.unloads.delete(tracked));
      if (this.opts.keepSpares)
        void tracked.then(() => {
          const t = setTimeout(() => {
            for (const { l } of gone) void this.prepare(l.attachment.probe, l.programs, l.attachment, l.attaches);
          }, this.opts.spareDelayMs);
          t.unref();
        });
    }
    for (const { id, l } of gone) {
      if (l.followRoots.length) this.follow?.release(l.followRoots);
      this.live.delete(id);
    }
    return gone.map(({ l }) => l.attachment);
  }

  /**
   * Loads `probe` ahead with `programs` (those its last attach used), not
   * attached and its filter off, the verifier on a worker thread: its next
   * attach only attaches. Does nothing without a threaded loader, or when one
   * is loaded or loading. Resolves once the load has landed or failed (never rejects).
   */
  prepare(probe: ProbeSpec, programs: string[], last: Pick<Attachment, 'attachPoints' | 'missing'>, attaches: ProgramAttach[] = programs.map((program) => ({ program }))): Promise<void> {
    const id = probeId(probe);
    const native = this.native;
    if (this.closed || !native?.loadAsync || this.live.has(id) || this.spares.has(id)) return Promise.resolve();
    const token = { loading: true as const };
    const instance = ++this.instances;
    const started = performance.now();
    let pending: Promise<number>;
    try {
      const tables = probe.kernelTables?.() ?? [];
      const path = this.objectPath(probe.object);
      const opts = { programs, ...this.loadBase(id, tables.map((t) => t.map), instance) };
      try {
        pending = native.loadAsync(path, opts);
      } catch (e) {
        // The session's shared maps (or this probe's own tables) do not exist
        // yet: create them once, with no program loaded (no verifier), then load.
        if (!isNativeError(e) || e.code !== 'EAGAIN') throw e;
        native.unload(native.load(path, { ...opts, programs: [] }));
        pending = native.loadAsync(path, opts);
      }
    } catch {
      return Promise.resolve(); // a spare is only a speed-up: the next attach loads as usual
    }
    this.spares.set(id, token);
    const landed = pending.then(
      (objectId) => {
        if (this.closed) return;
        if (this.spareLoadMs.push(performance.now() - started) > 32) this.spareLoadMs.shift();
        if (this.spares.get(id) !== token) return native.unload(objectId);
        this.spares.set(id, { objectId, instance, programs, attaches, points: last.attachPoints, missing: last.missing });
      },
      () => {
        if (this.spares.get(id) === token) this.spares.delete(id);
      },
    );
    const done = landed.finally(() => {
      if (this.landing.get(id)?.done === done) this.landing.delete(id);
    });
    this.landing.set(id, { done, started });
    return done;
  }

  /**
   * Loads every probe of `probes` ahead (see prepare), one at a time in that
   * order, each with the first choice of every hook: the first attach of any
   * of them then only attaches. A probe that does not load so (a hook this
   * kernel refuses) gets no spare and attaches, and fails, exactly as without.
   * Needs keepSpares; probes attached or loaded ahead already are skipped.
   * By default every probe, in registry order: the ones responders reach for
   * first (exec, open, connect) lead it, and ids fix that order.
   */
  preload(probes: readonly ProbeSpec[] = PROBES): void {
    if (this.closed || !this.opts.keepSpares || !this.session().loadAsync) return;
    this.preloadQueue.push(...probes);
    if (!this.preloading) void this.runPreloads();
  }

  /** Works through preloadQueue, one load on the worker at a time. */
  private async runPreloads(): Promise<void> {
    this.preloading = true;
    try {
      for (let probe; !this.closed && (probe = this.preloadQueue.shift()); ) {
        const first = probe.hooks.map((h) => h.choices[0]).filter((c) => c !== undefined);
        const attaches = first.flatMap((c) => c.programs.map((program) => (c.at?.[program] ? { program, target: c.at[program] } : { program })));
        const programs = [...new Set(attaches.map((a) => a.program))];
        // the first choice of each hook is what loadAndAttach would try first, and report when it works
        await this.prepare(probe, programs, { attachPoints: first.map((c) => c.attach), missing: [] }, attaches);
        // the JS-thread parts of two loads never run back to back: input is read between them
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.preloading = false;
    }
  }

  /**
   * Resolves once `probe`'s spare, if one is loading now, has landed or failed,
   * or after about what a fresh load takes, whichever is first: its attach then
   * waits only when that is the shorter way (the rest of a load under way).
   */
  async spareLanding(probe: ProbeSpec): Promise<void> {
    const l = this.landing.get(probeId(probe));
    if (!l) return;
    const loads = [...this.spareLoadMs].sort((a, b) => a - b);
    const typical = loads.length ? loads[loads.length >> 1]! : 100;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([l.done, new Promise<void>((r) => (timer = setTimeout(r, typical)))]);
    clearTimeout(timer);
  }

  /** Whether `probe` has a spare loaded (its next attach only attaches). */
  hasSpare(probe: ProbeSpec): boolean {
    const s = this.spares.get(probeId(probe));
    return !!s && 'objectId' in s;
  }

  /** The spare of probe `id`, if one is loaded; forgets it (one still loading is unloaded when it lands). */
  private takeSpare(id: number): Spare | undefined {
    const s = this.spares.get(id);
    this.spares.delete(id);
    return s && 'objectId' in s ? s : undefined;
  }

  /** Attaches a spare's programs, or unloads it (undefined: load afresh) when the kernel refuses one. */
  private attachSpare(probe: ProbeSpec, spare: Spare): Loaded | undefined {
    const native = this.session();
    try {
      // the programs read these from their first run: written before any is attached
      for (const t of probe.kernelTables?.() ?? []) for (const [k, v] of t.entries) native.mapUpdate(t.map, k, v);
      const links = spare.attaches.map((a) => native.attach(spare.objectId, a.program, a.target));
      return { objectId: spare.objectId, links, points: spare.points, missing: spare.missing, programs: spare.programs, attaches: spare.attaches };
    } catch {
      native.unload(spare.objectId);
      return undefined;
    }
  }

  /** Resolves once the native unload of every detach so far has finished (its programs can no longer run). */
  async unloaded(): Promise<void> {
    while (this.unloads.size) await Promise.all([...this.unloads]);
  }

  /** Runs a kernel filter write whose failure changes nothing that matters: the unload stops the programs all the same. */
  private tryKernel(write: () => void): void {
    try {
      write();
    } catch {
      // Sets left behind belong to an old generation and go at the probe's next filter write.
    }
  }

  /** Per-probe counters (every probe that was ever attached in this session). */
  counters(): ProbeCounters[] {
    const stats = this.readerStats();
    const out: ProbeCounters[] = [];
    for (const [id, c] of this.counts) {
      const losses = Object.fromEntries(LOSS_CAUSES.map((k) => [k, 0])) as Record<LossCause, number>;
      KERNEL_LOSS_CAUSES.forEach((cause, i) => (losses[cause] = this.kernelCounter(id * LOSS_STRIDE + i)));
      losses.queue_overflow = stats?.queueDrops[id] ?? 0;
      losses.handoff_failed = stats?.handoffDrops?.[id] ?? 0;
      losses.decode_error = c.decode;
      losses.listener_error = c.listener;
      out.push({ probe: probeById(id)!.name, events: c.events, filtered: c.filtered, losses });
    }
    return out;
  }

  /** Losses that belong to no probe, by cause (framing_error: a record whose length or probe id was bad). */
  sessionLosses(): Record<'framing_error', number> {
    return { framing_error: this.framingErrors };
  }

  /** Health of the reader path (poll errors, listener errors, framing). */
  readerHealth(): ReaderHealth {
    const s = this.readerStats();
    return {
      framingErrors: this.framingErrors,
      pollErrors: s?.pollErrors ?? 0,
      lastPollErrno: s?.lastPollErrno ?? 0,
      listenerErrors: this.listenerErrors,
      lastListenerError: this.lastListenerError,
    };
  }

  /**
   * Waits until every record in the kernel ring at this call has been
   * decoded and handed to the listeners. Resolves false when that did not
   * happen within `timeoutMs` (a paused or wedged reader). Call after
   * detaching and before finalizing a capture, so nothing in flight is lost.
   */
  async drain(timeoutMs = 5000): Promise<boolean> {
    const native = this.native;
    if (!native || !this.readerStarted) return true;
    // After close the reader has drained the ring already; what it handed over may still be queued.
    const ticket = this.closed ? 0 : native.requestFlush();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const s = native.stats();
      if (!s || ((s.flushed ?? ticket) >= ticket && s.pendingBytes <= 0)) return true;
      if (performance.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Test hook: hold the reader back so the kernel ring fills. */
  pauseReader(paused: boolean): void {
    this.native?.setPaused(paused);
  }

  /**
   * Detaches everything and releases every kernel handle. Records still in
   * the ring are drained by the reader and still reach the listeners (on a
   * later tick): nothing is dropped by closing. Counters stay readable.
   */
  close(): void {
    if (this.closed) return;
    if (this.native) {
      // Programs first, so the kernel counters are final when read; the
      // reader stops (draining the ring) in close() and keeps its stats.
      const ids = [...this.live.values()].map((l) => l.objectId);
      for (const s of this.spares.values()) if ('objectId' in s) ids.push(s.objectId);
      this.spares.clear();
      this.preloadQueue.length = 0;
      if (ids.length) this.native.unload(...ids);
      this.closedKernel = new Map();
      for (const id of this.counts.keys())
        for (let i = 0; i < KERNEL_LOSS_CAUSES.length; i++) this.closedKernel.set(id * LOSS_STRIDE + i, this.kernelCounter(id * LOSS_STRIDE + i));
      this.native.close();
      this.closedStats = this.native.stats() ?? this.closedStats;
    }
    this.closed = true;
    this.live.clear();
  }

  private session(): NativeSession {
    this.native ??= this.backend.createSession();
    return this.native;
  }

  private objectPath(object: string): string {
    const p = this.builtPath(`${object}.bpf.o`);
    if (!p) throw new ProbeError(`bpf object ${this.buildDir ?? BPF_BUILD_DIR}${object}.bpf.o is missing (run: npm run build)`, 'ENOENT');
    return p;
  }

  /** A built file (an object, min_core.btf) from opts.buildDir, or the program's own (src/runtime); undefined when missing. */
  private builtPath(name: string): string | undefined {
    if (this.buildDir === undefined) return programPath(`build/bpf/${name}`);
    return existsSync(this.buildDir + name) ? this.buildDir + name : undefined;
  }

  /** Load options every object shares; `own` maps of the object are kept by name too, so they can be written. */
  private loadBase(probe: number, own: string[] = [], instance = 0): Omit<LoadOptions, 'programs'> {
    const minBtf = this.builtPath('min_core.btf');
    return {
      shared: own.length ? [...SHARED_MAPS, ...own] : SHARED_MAPS,
      rodata: this.rodata(probe, instance),
      maxEntries: { [MAPS.events]: this.opts.ringBytes },
      ...(minBtf ? { btfCustomPath: minBtf } : {}),
    };
  }

  private rodata(probe: number, instance: number): Record<string, number> {
    return { targ_probe_id: probe, targ_self_tgid: process.pid, targ_wakeup_bytes: this.opts.wakeupBytes, targ_instance: instance };
  }

  private followTracker(): FollowTracker {
    this.follow ??= new FollowTracker(this.session(), this.objectPath('follow'), this.loadBase(0));
    return this.follow;
  }

  private ensureTracefs(needed: boolean): void {
    if (this.tracefsChecked || !needed) return;
    this.tracefsChecked = true;
    try {
      this.backend.ensureTracefs();
    } catch (e) {
      // Tracepoint programs will fail and fall back; if none can, attachError says why.
      this.tracefsProblem = (e as Error).message;
    }
  }

  /**
   * Loads the best choice of each hook; when the kernel refuses a program
   * (load or attach), moves that hook to its next choice, or drops it if
   * optional, and tries again. Returns what is in use.
   */
  private loadAndAttach(probe: ProbeSpec, objectPath: string, instance: number): Loaded {
    const native = this.session();
    // before anything is loaded: a bad setting throws with nothing to undo
    const tables = probe.kernelTables?.() ?? [];
    const choice = probe.hooks.map(() => 0);
    const missing: string[] = [];
    const dropped = new Set<number>();
    for (;;) {
      const active = probe.hooks.map((h, i) => (dropped.has(i) ? undefined : h.choices[choice[i]!])).map((c, i) => ({ c, i }));
      // a program two hooks share (HookChoice.at) is loaded once and attached for each
      const attaches = active.flatMap(({ c, i }) => (c?.programs ?? []).map((program) => ({ program, target: c?.at?.[program], hook: i })));
      const programs = [...new Set(attaches.map((a) => a.program))];
      let objectId: number | undefined;
      let failedProgram: string | undefined;
      let failedHook: number | undefined;
      let err: NativeError | undefined;
      try {
        objectId = native.load(objectPath, { programs, ...this.loadBase(probeId(probe), tables.map((t) => t.map), instance) });
        // the programs read these from their first run: written before any is attached
        for (const t of tables) for (const [k, v] of t.entries) native.mapUpdate(t.map, k, v);
        const links: number[] = [];
        for (const a of attaches) {
          failedHook = a.hook;
          links.push(native.attach(objectId, a.program, a.target));
        }
        return {
          objectId,
          links,
          points: active.filter(({ c }) => c).map(({ c }) => c!.attach),
          missing,
          programs,
          attaches: attaches.map(({ program, target }) => (target ? { program, target } : { program })),
        };
      } catch (e) {
        if (!isNativeError(e)) throw e;
        err = e;
        if (objectId !== undefined) native.unload(objectId);
        else failedProgram = /prog '([^']+)': failed to load/.exec(e.details ?? '')?.[1];
      }
      // an attach names its hook; a load failure names a program (the first hook with it moves on first)
      const hook = failedHook !== undefined ? active[failedHook] : active.find(({ c }) => c?.programs.includes(failedProgram ?? ''));
      if (!hook) throw this.attachError(probe, err);
      const h = probe.hooks[hook.i]!;
      if (choice[hook.i]! + 1 < h.choices.length) {
        choice[hook.i]!++;
      } else if (h.optional) {
        dropped.add(hook.i);
        missing.push(`${h.name}: ${err.message}`);
      } else {
        throw this.attachError(probe, err);
      }
    }
  }

  private attachError(probe: ProbeSpec, e: NativeError): ProbeError {
    if (this.tracefsProblem && e.op === 'attach')
      return new ProbeError(
        `cannot attach ${probe.name}: tracefs is not mounted and mounting it failed (${this.tracefsProblem}); mount it with: mount -t tracefs nodev /sys/kernel/tracing`,
        e.code,
        e.details,
      );
    return new ProbeError(`cannot attach ${probe.name}: ${e.message}`, e.code, e.details);
  }

  /** The reader's stats, live or as they were at close. */
  private readerStats(): ReaderStats | null {
    if (this.closed) return this.closedStats;
    const s = this.native?.stats() ?? null;
    if (s) this.closedStats = s;
    return s;
  }

  private nextGen(id: number): number {
    const g = ((this.gens.get(id) ?? 0) + 1) >>> 0;
    this.gens.set(id, g);
    return g;
  }

  private filterError(probe: ProbeSpec, e: unknown): ProbeError {
    if (e instanceof ProbeError) return e;
    if (isNativeError(e)) {
      const full = e.code === 'E2BIG' || e.code === 'ENOSPC' || e.code === 'ENOMEM';
      return new ProbeError(`cannot set the kernel filter of ${probe.name}: ${e.message}${full ? ' (too many filter values: narrow the filter)' : ''}`, e.code, e.details);
    }
    return new ProbeError(`cannot set the kernel filter of ${probe.name}: ${(e as Error).message}`);
  }

  private kernelCounter(key: number): number {
    if (this.closed) return this.closedKernel?.get(key) ?? 0;
    const v = this.native?.mapLookup(MAPS.losses, u32(key));
    if (!v) return 0;
    let sum = 0;
    for (let at = 0; at + 8 <= v.length; at += 8) sum += v.readUInt32LE(at) + v.readUInt32LE(at + 4) * 0x1_0000_0000;
    return sum;
  }

  private startReader(): void {
    if (this.readerStarted) return;
    this.readerStarted = true;
    this.session().start(MAPS.events, (batch) => this.onBatch(batch), {
      flushMs: this.opts.flushMs,
      maxPendingBytes: this.opts.maxPendingBytes,
      probeIdOffset: this.header.probeIdOffset,
    });
  }

  /**
   * Decodes one flushed batch of framed records ([u32 len][record][pad to 8])
   * and hands it to every listener. A bad frame is counted (framing_error);
   * a listener that throws is counted (listener_error, once per event) and
   * the others still get the batch: nothing here may throw into the reader.
   */
  private onBatch(batch: Buffer): void {
    const out: TraceEvent[] = [];
    const ids: number[] = [];
    // The probe of the last record, and what belongs to it: a batch is mostly runs of one probe.
    let lastId = -1;
    let decoder: RecordDecoder | undefined;
    let c: { events: number; filtered: number; decode: number; listener: number } | undefined;
    let match: ((e: TraceEvent) => boolean) | null | undefined;
    for (let at = 0; at < batch.length; ) {
      if (at + 4 > batch.length) {
        this.framingErrors++;
        break;
      }
      const len = batch.readUInt32LE(at);
      const base = at + 4;
      at += (4 + len + 7) & ~7;
      if (len < this.header.size || base + len > batch.length) {
        // The length cannot be trusted, so neither can the rest of the batch.
        this.framingErrors++;
        break;
      }
      const id = this.header.probeId(batch, base);
      if (id !== lastId) {
        lastId = id;
        decoder = this.decoders.get(id);
        c = this.counts.get(id);
        match = this.matchers.get(id);
      }
      if (!decoder || !c) {
        this.framingErrors++;
        continue;
      }
      let ev: TraceEvent;
      try {
        ev = decoder.decode(batch, base, len);
      } catch {
        // A DecodeError, or a decoder bug on hostile bytes: either way this record is lost, and counted.
        c.decode++;
        continue;
      }
      let keep: boolean;
      try {
        keep = !match || match(ev);
      } catch {
        // A userspace filter that cannot judge this event's values: counted with the records we could not use.
        c.decode++;
        continue;
      }
      if (!keep) {
        c.filtered++;
        continue;
      }
      c.events++;
      out.push(ev);
      ids.push(id);
    }
    if (!out.length) return;
    let failed = false;
    for (const l of this.listeners) {
      try {
        l(out);
      } catch (e) {
        failed = true;
        this.listenerErrors++;
        this.lastListenerError = e instanceof Error ? e.message : String(e);
      }
    }
    if (failed) for (const id of ids) this.counts.get(id)!.listener++;
  }
}
