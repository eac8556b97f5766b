import { statSync } from 'node:fs';
import { UsageError } from '../../commands/errors.js';
import { REPLAY_COMMANDS } from '../../commands/shell/replay-commands.js';
import { ProcessBook, type CaptureControl, type CaptureSink, type ProcessInfo, type ShellEngine } from '../../session/index.js';
import type { Attachment } from '../../engine/index.js';
import type { TraceEvent } from '../../event/index.js';
import type { CaptureReader, ProcessRow } from '../../store/index.js';
import { ShellModel, type ShellModelOptions } from '../shell/shell-model.js';
import type { ReplaySource } from './replay-source.js';

const LIVE_ONLY = 'does not apply to a capture: replay shows what was recorded (run sudo ebpfsh to trace live)';

/**
 * The shell's engine seat, taken by a capture: events come from the replay
 * source, nothing can be attached, and the clock is the capture's own.
 */
export class ReplayEngine implements ShellEngine {
  readonly clock: { offsetNs: number };
  private readonly listeners = new Set<(e: TraceEvent[]) => void>();

  constructor(offsetNs: number) {
    this.clock = { offsetNs };
  }

  attach(): Attachment {
    throw new UsageError(`attach ${LIVE_ONLY}`);
  }

  detach(): Attachment {
    throw new UsageError(`detach ${LIVE_ONLY}`);
  }

  detachMany(): Attachment[] {
    throw new UsageError(`detach ${LIVE_ONLY}`);
  }

  attachments(): Attachment[] {
    return [];
  }

  counters(): [] {
    return [];
  }

  onEvents(listener: (e: TraceEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hands a batch to the shell model. */
  emit(events: TraceEvent[]): void {
    for (const l of this.listeners) l(events);
  }

  close(): void {
    this.listeners.clear();
  }
}

function infoOf(p: ProcessRow): ProcessInfo {
  return {
    pid: p.pid,
    ppid: p.parentPid ?? 0,
    comm: p.comm ?? '?',
    uid: p.uid ?? undefined,
    argv: p.argv ?? undefined,
    exe: p.exe ?? undefined,
    source: 'proc',
    startNs: p.startNs ?? undefined,
    exitNs: p.exitNs ?? undefined,
    exitStatus: p.exitCode ?? undefined,
  };
}

/**
 * Ancestry from the capture's process table at the replay position, then
 * from the events replayed so far; never from this machine's /proc, which
 * knows nothing of the host that was recorded.
 */
export class CaptureProcessBook extends ProcessBook {
  constructor(
    private readonly reader: CaptureReader,
    private readonly at: () => number,
  ) {
    super('/nonexistent-proc (replay reads the capture)', undefined, null);
  }

  private row(pid: number): ProcessRow | undefined {
    try {
      return this.reader.process(pid, this.at()) ?? this.reader.process(pid);
    } catch {
      return undefined;
    }
  }

  override get(pid: number): ProcessInfo | undefined {
    const r = this.row(pid);
    return r ? infoOf(r) : super.get(pid);
  }

  override ancestry(pid: number, max = 64): ProcessInfo[] {
    const r = this.row(pid);
    if (!r) return super.ancestry(pid, max);
    return [r, ...this.reader.ancestors(r)].slice(0, max).map(infoOf);
  }

  override childrenOf(pid: number): number[] {
    const r = this.row(pid);
    const out = new Set<number>(super.childrenOf(pid, new Map()));
    if (r) for (const c of this.reader.children(r)) out.add(c.pid);
    return this.inStartOrder(out);
  }

  // In replay the capture's process table knows the start (kernel ns, as the events' ts).
  protected override startOf(pid: number): number | undefined {
    return this.row(pid)?.startNs ?? super.startOf(pid);
  }

  override descends(pid: number, root: number): boolean {
    if (pid === root) return true;
    const r = this.row(pid);
    if (!r) return super.descends(pid, root);
    return this.reader.ancestors(r).some((a) => a.pid === root);
  }

  override procParents(): Map<number, number> {
    return new Map();
  }
}

/** The shell's capture seat in replay: `:query` reads this capture; nothing records. */
export function replayCaptureControl(source: ReplaySource): CaptureControl {
  const r = source.reader;
  let bytes = 0;
  try {
    bytes = statSync(r.path).size;
  } catch {
    // shown as 0
  }
  const sink: CaptureSink = {
    path: r.path,
    journal() {},
    mark() {
      throw new UsageError(`mark ${LIVE_ONLY}`);
    },
    query: (sql) => r.query(sql, { maxRows: 1000 }),
    stats: () => ({ path: r.path, bytes, events: Object.values(source.info.counts).reduce((a, b) => a + b, 0), startedAt: Date.now() }),
    background: () => [...source.background],
    lookBack: () => null,
    close() {},
  };
  return {
    unavailable: () => null,
    current: () => sink,
    start: () => Promise.reject(new UsageError(`record ${LIVE_ONLY}`)),
    save: () => Promise.reject(new UsageError(`mark --save ${LIVE_ONLY}`)),
    lookBack: () => null,
    ring: () => null,
    stop: () => Promise.resolve(null),
    journal() {},
    isBackground: (probe) => source.background.has(probe),
  };
}

/**
 * The live shell's model, fed from a replay source: the same window, panes,
 * filters and command line, with the replay commands, the capture's process
 * table for ancestry and `:query` against the capture.
 */
export function replayModel(source: ReplaySource, opts: Partial<ShellModelOptions> = {}): ShellModel {
  const engine = new ReplayEngine(source.info.clockOffsetNs);
  const model = new ShellModel({ historyFile: null, ...opts, engine, captureFactory: null, commands: REPLAY_COMMANDS, procRoot: '/nonexistent-proc' });
  model.ctx.processes = new CaptureProcessBook(source.reader, () => source.now());
  model.ctx.capture = replayCaptureControl(source);
  model.ctx.replay = source;
  source.onBatch((events, reset) => {
    if (reset) model.clear();
    if (events.length) engine.emit(events);
  });
  return model;
}
