import { IN_RELEASE, loadAddon as loadProgramAddon } from '../runtime/index.js';
import { ProbeError } from './errors.js';

/** Options for loading one BPF object. */
export interface LoadOptions {
  programs: string[];
  /** Maps reused by name across objects (created by the first object). */
  shared: string[];
  /** `const volatile` load-time variables by name. */
  rodata?: Record<string, number>;
  /** Map sizes, applied when the map is created. */
  maxEntries?: Record<string, number>;
  /** A minimal kernel BTF for CO-RE relocation (bpftool gen min_core_btf). */
  btfCustomPath?: string;
}

/** Counters of the native ring reader. */
export interface ReaderStats {
  batches: number;
  records: number;
  bytes: number;
  pendingBytes: number;
  /** Records dropped because JS had too much pending, by probe id. */
  queueDrops: number[];
  /** Records of batches the reader could not hand to JS (shutting down), by probe id. */
  handoffDrops?: number[];
  /** The last flush ticket (requestFlush) the reader has honoured. */
  flushed?: number;
  /** Batches whose JS callback threw (their budget is released all the same). */
  callbackErrors?: number;
  /** Failed ring_buffer polls or consumes, and the errno of the last one. */
  pollErrors?: number;
  lastPollErrno?: number;
}

/** Options of the ring reader thread. */
export interface ReaderOptions {
  flushMs: number;
  maxPendingBytes: number;
  probeIdOffset: number;
}

/** The addon's Session: handles only (objects, links, maps, the reader). */
export interface NativeSession {
  load(path: string, opts: LoadOptions): number;
  /** Unloads objects, their links torn down together (each waits out a kernel grace period). */
  unload(...objectIds: number[]): void;
  /**
   * Like unload, on a worker thread: the objects leave the session at once; the
   * promise settles once no program of theirs can still run (grace period waited out).
   */
  unloadAsync?(...objectIds: number[]): Promise<void>;
  /** Like load, with the verifier on a worker thread; only once every `shared` map exists (throws EAGAIN otherwise). */
  loadAsync?(path: string, opts: LoadOptions): Promise<number>;
  /** Attaches a loaded program at its section's hook, or at tracepoint `target` (`category/name`). */
  attach(objectId: number, program: string, target?: string): number;
  detach(linkId: number): void;
  /** For a map of maps, swaps in a new inner map holding `value`: in force when this returns, never read half-written. */
  mapUpdate(map: string, key: Buffer, value: Buffer): void;
  /**
   * For a map of maps, writes `value` over the entry in force, with no swap and
   * no grace period; it may differ from that entry in one byte only (a program
   * may read a mix of the two). Other maps: mapUpdate.
   */
  mapUpdateInPlace(map: string, key: Buffer, value: Buffer): void;
  mapDelete(map: string, key: Buffer): boolean;
  mapLookup(map: string, key: Buffer): Buffer | null;
  mapKeys(map: string): Buffer[];
  start(ringMap: string, onBatch: (batch: Buffer) => void, opts: ReaderOptions): void;
  /** Asks the reader to drain the ring now; stats().flushed reaches the ticket once it has. */
  requestFlush(): number;
  /** Returns once every BPF program run that began before the call has ended (RCU grace period). */
  waitForPrograms(): void;
  setPaused(paused: boolean): void;
  stats(): ReaderStats | null;
  close(): void;
}

/** What the engine needs from the kernel side; unit tests inject a fake. */
export interface Backend {
  createSession(): NativeSession;
  ensureTracefs(): { path: string; mounted: boolean };
  possibleCpus(): number;
}

interface Addon {
  Session: new () => NativeSession;
  ensureTracefs(): { path: string; mounted: boolean };
  possibleCpus(): number;
  exitNow(code: number): never;
}

/** The addon's test hook for per-CPU value sizing (throws on a CPU count <= 0). */
export function percpuValueBytes(valueSize: number, cpus: number): number {
  return (loadAddon() as Addon & { percpuValueBytes(v: number, c: number): number }).percpuValueBytes(valueSize, cpus);
}

const ADDON_PATH = 'native/build/Release/ebpfsh_native.node';
let addon: Addon | undefined;

function loadAddon(): Addon {
  if (!addon) {
    try {
      addon = loadProgramAddon(ADDON_PATH) as Addon;
    } catch (e) {
      const why = (e as Error).message.split('\n')[0];
      // The release carries its addon: failing there is the host (e.g. no executable tmpfs), not a missing build.
      throw new ProbeError(IN_RELEASE ? `cannot load the native addon: ${why}` : `the native addon is not built (run: npm run build): ${why}`, 'ENOENT');
    }
  }
  return addon;
}

/**
 * Ends the process now with `code`, skipping Node's exit-time terminal reset,
 * which aborts when the terminal has hung up. Only after every cleanup is done.
 */
export function exitWithoutTerminal(code: number): never {
  try {
    return loadAddon().exitNow(code);
  } catch {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  }
}

/** The real backend over the native addon (loaded on first use). */
export function nativeBackend(): Backend {
  const a = loadAddon();
  return {
    createSession: () => new a.Session(),
    ensureTracefs: () => a.ensureTracefs(),
    possibleCpus: () => a.possibleCpus(),
  };
}
