import type { Backend, LoadOptions, NativeSession, ReaderOptions, ReaderStats } from '../../src/engine/index.js';

/** A failure the fake kernel raises, shaped like the addon's errors. */
function nativeError(op: string, code: string, message: string, details = ''): Error {
  return Object.assign(new Error(message), { op, code, errno: 1, details });
}

/** An in-memory stand-in for the addon: maps, loads, links, and a batch pump. */
export class FakeSession implements NativeSession {
  readonly maps = new Map<string, Map<string, Buffer>>();
  readonly loads: { path: string; opts: LoadOptions }[] = [];
  readonly attached = new Set<string>();
  onBatch: ((b: Buffer) => void) | undefined;
  queueDrops = new Array(64).fill(0);
  handoffDrops = new Array(64).fill(0);
  /** Makes the next map writes that match fail like a full kernel map (E2BIG). */
  failMapUpdate: ((map: string, key: Buffer) => boolean) | undefined;
  /** Called after every map write or delete: lets a test look at what the kernel would see in between. */
  onMapWrite: (() => void) | undefined;
  /** Reader poll failures to report. */
  pollErrors = 0;
  lastPollErrno = 0;
  /** Grace periods waited for (waitForPrograms calls). */
  graceWaits = 0;
  /** Objects loaded and not unloaded, and links alive: what would leak. */
  liveObjects(): number {
    return this.objects.size;
  }
  liveLinks(): number {
    return this.links.size;
  }
  private nextId = 1;
  private readonly objects = new Map<number, string[]>();
  private readonly links = new Map<number, string>();

  constructor(
    private readonly refuseLoad: Set<string>,
    private readonly refuseAttach: Set<string>,
  ) {}

  load(path: string, opts: LoadOptions): number {
    this.loads.push({ path, opts });
    const bad = opts.programs.find((p) => this.refuseLoad.has(p));
    if (bad) throw nativeError('load', 'EPERM', `load ${path} failed`, `libbpf: prog '${bad}': failed to load: -1\n`);
    for (const m of opts.shared) if (!this.maps.has(m)) this.maps.set(m, new Map());
    const id = this.nextId++;
    this.objects.set(id, opts.programs);
    return id;
  }
  unload(...ids: number[]): void {
    for (const id of ids) {
      for (const [l, p] of this.links) if (this.objects.get(id)?.includes(p)) {
        this.links.delete(l);
        this.attached.delete(p);
      }
      this.objects.delete(id);
    }
  }
  /** Every attach in order: the program, and the tracepoint it was attached to instead of its own section's. */
  readonly attachCalls: { program: string; target?: string }[] = [];
  attach(id: number, program: string, target?: string): number {
    // refused by program name, or one attach of a shared program by `program@target`
    if (this.refuseAttach.has(program) || (target && this.refuseAttach.has(`${program}@${target}`)))
      throw nativeError('attach', 'ENOENT', `attach ${program}${target ? ` at ${target}` : ''} failed`);
    const l = this.nextId++;
    this.attachCalls.push(target ? { program, target } : { program });
    this.links.set(l, program);
    this.attached.add(program);
    return l;
  }
  detach(link: number): void {
    this.links.delete(link);
  }
  private map(name: string): Map<string, Buffer> {
    const m = this.maps.get(name);
    if (!m) throw nativeError('map', 'ENOENT', `map ${name} not loaded`);
    return m;
  }
  mapUpdate(name: string, key: Buffer, value: Buffer): void {
    const m = this.map(name);
    if (this.failMapUpdate?.(name, key)) throw nativeError('map update', 'E2BIG', `map update ${name}: argument list too long`);
    m.set(key.toString('hex'), Buffer.from(value));
    this.onMapWrite?.();
  }
  mapUpdateInPlace(name: string, key: Buffer, value: Buffer): void {
    const old = this.map(name).get(key.toString('hex'));
    if (!old) throw nativeError('map update', 'ENOENT', `map update ${name}: no entry to write in place`);
    if (old.reduce((n, b, i) => n + (b !== value[i] ? 1 : 0), 0) > 1) throw nativeError('map update', 'EINVAL', `map update ${name}: in place: more than one byte would change`);
    this.mapUpdate(name, key, value);
  }
  mapDelete(name: string, key: Buffer): boolean {
    const gone = this.map(name).delete(key.toString('hex'));
    this.onMapWrite?.();
    return gone;
  }
  mapLookup(name: string, key: Buffer): Buffer | null {
    return this.map(name).get(key.toString('hex')) ?? null;
  }
  mapKeys(name: string): Buffer[] {
    return [...this.map(name).keys()].map((k) => Buffer.from(k, 'hex'));
  }
  start(_map: string, onBatch: (b: Buffer) => void, _opts: ReaderOptions): void {
    this.onBatch = onBatch;
  }
  private tickets = 0;
  requestFlush(): number {
    return ++this.tickets;
  }
  waitForPrograms(): void {
    this.graceWaits++;
  }
  setPaused(): void {}
  stats(): ReaderStats {
    return { batches: 0, records: 0, bytes: 0, pendingBytes: 0, queueDrops: this.queueDrops, handoffDrops: this.handoffDrops, flushed: this.tickets, pollErrors: this.pollErrors, lastPollErrno: this.lastPollErrno };
  }
  close(): void {
    this.objects.clear();
    this.links.clear();
  }
}

/** A Backend whose sessions refuse the named programs. */
export function fakeBackend(opts: { refuseLoad?: string[]; refuseAttach?: string[] } = {}): Backend & { session: FakeSession } {
  const session = new FakeSession(new Set(opts.refuseLoad), new Set(opts.refuseAttach));
  return {
    session,
    createSession: () => session,
    ensureTracefs: () => ({ path: '/sys/kernel/tracing', mounted: false }),
    possibleCpus: () => 2,
  };
}
