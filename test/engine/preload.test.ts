import { describe, expect, it, vi } from 'vitest';
import { Engine, type LoadOptions, type TraceEvent } from '../../src/engine/index.js';
import { parseFilters } from '../../src/event/index.js';
import { PROBES, probeId } from '../../src/probes/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';
import { attachCommand } from '../../src/commands/shell/attach.js';
import { frame, openRecord } from '../probes/fixtures.js';
import { FakeSession } from './fake-backend.js';

// The engine checks privileges before loading; the fake kernel needs none.
vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

/** A fake kernel whose threaded loads finish only when the test lands them, and that refuses them like the addon before the shared maps exist. */
class WorkerLoadSession extends FakeSession {
  readonly inFlight: { path: string; opts: LoadOptions; land: () => void }[] = [];
  closed = false;
  /** Loads that landed from the worker. */
  landed = 0;
  /** Threaded loads the verifier "refuses" (the addon rejects with op 'load', no log). */
  refuseAsync = new Set<string>();
  loadAsync(path: string, opts: LoadOptions): Promise<number> {
    const missing = opts.shared.find((m) => !this.maps.has(m));
    if (missing) throw Object.assign(new Error(`load failed: EAGAIN (map ${missing} not created yet: load synchronously first)`), { op: 'load', code: 'EAGAIN' });
    return new Promise((resolve, reject) => {
      const refused = opts.programs.some((p) => this.refuseAsync.has(p));
      this.inFlight.push({
        path,
        opts,
        land: () => {
          // like the addon: a load that lands after close is closed and rejected
          if (this.closed) return reject(Object.assign(new Error('load failed: ECANCELED (the session is closed)'), { op: 'load', code: 'ECANCELED' }));
          if (refused) return reject(Object.assign(new Error('load failed: Permission denied'), { op: 'load' }));
          this.landed++;
          resolve(this.load(path, opts));
        },
      });
    });
  }
  /** Lands the oldest load still in flight; resolves once the engine has seen it. */
  async landNext(): Promise<void> {
    this.inFlight.shift()!.land();
    await new Promise((r) => setImmediate(r));
  }
  /** Programs loaded with the verifier on the JS thread (the sync loader), not counting a maps-only load. */
  syncProgramLoads(): number {
    return this.loads.filter((l) => l.opts.programs.length > 0).length - this.landed;
  }
  override close(): void {
    this.closed = true;
    super.close();
  }
}

function preloadingEngine(refuseLoad: string[] = []) {
  const session = new WorkerLoadSession(new Set(refuseLoad), new Set());
  const engine = new Engine({ keepSpares: true, backend: { createSession: () => session, ensureTracefs: () => ({ path: '', mounted: false }), possibleCpus: () => 2 } });
  return { engine, session };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('loading probes ahead (preload)', () => {
  it('loads one probe at a time, in the order given, creating the shared maps first with no program', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload([execsnoop, opensnoop, tcpconnect]);
    // the shared maps came from a load with no program (no verifier on the JS thread)
    expect(session.loads).toHaveLength(1);
    expect(session.loads[0]!.opts.programs).toEqual([]);
    expect(session.liveObjects()).toBe(0);
    expect(session.inFlight.map((l) => l.path)).toEqual([expect.stringContaining('execsnoop')]);
    await session.landNext();
    await tick();
    expect(session.inFlight.map((l) => l.path)).toEqual([expect.stringContaining('opensnoop')]);
    await session.landNext();
    await tick();
    await session.landNext();
    expect([execsnoop, opensnoop, tcpconnect].map((p) => engine.hasSpare(p))).toEqual([true, true, true]);
    // loaded, never attached, nothing turned on
    expect(session.attached.size).toBe(0);
    expect(engine.attachments()).toEqual([]);
  });

  it('a first attach of a preloaded probe only attaches, with the filters given then, and delivers its events', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload([opensnoop]);
    await session.landNext();
    const events: TraceEvent[] = [];
    engine.onEvents((e) => events.push(...e));
    const a = engine.attach(opensnoop, parseFilters(['path=/etc/'], [opensnoop]));
    expect(session.syncProgramLoads()).toBe(0);
    expect(engine.hasSpare(opensnoop)).toBe(false);
    expect(a.attachPoints).toContain('tracepoint/syscalls/sys_exit_openat');
    expect(a.filters.clauses).toEqual([expect.objectContaining({ key: 'path' })]);
    const id = probeId(opensnoop);
    session.onBatch!(
      frame([
        openRecord(id, { ret: 3, path: Buffer.from('/etc/passwd'), flags: 0, mode: 0, kind: 0 }),
        openRecord(id, { ret: 3, path: Buffer.from('/tmp/x'), flags: 0, mode: 0, kind: 0 }),
      ]),
    );
    expect(events.map((e) => e.fields.path)).toEqual(['/etc/passwd']);
  });

  it('an attach while its load is in flight waits for it and then only attaches', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload([opensnoop]);
    const waited = engine.spareLanding(opensnoop);
    await session.landNext();
    await waited;
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    expect(session.syncProgramLoads()).toBe(0);
    expect(session.liveObjects()).toBe(1);
  });

  it('an attach that does not wait loads as before, and the load landing later is unloaded', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload([opensnoop]);
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    expect(session.syncProgramLoads()).toBe(1);
    await session.landNext();
    expect(session.liveObjects()).toBe(1);
    expect(engine.hasSpare(opensnoop)).toBe(false);
  });

  it(':attach of a probe whose load is in flight waits for it (the shell command)', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload([opensnoop]);
    const journal: string[] = [];
    const ctx = { engine, capture: { journal: (j: { action: string }) => journal.push(j.action) } } as unknown as Parameters<typeof attachCommand.run>[0];
    const out = attachCommand.run(ctx, ['open']);
    await tick();
    expect(engine.attachments()).toEqual([]);
    await session.landNext();
    expect(await out).toMatchObject({ kind: 'ok', lines: [expect.stringMatching(/attached opensnoop/), expect.any(String)] });
    expect(session.syncProgramLoads()).toBe(0);
    expect(journal).toEqual(['attach']);
  });

  it(':attach all while probes load ahead attaches each once and leaves no load behind', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload(PROBES);
    const ctx = { engine, capture: { journal: () => {} } } as unknown as Parameters<typeof attachCommand.run>[0];
    let settled = false;
    const out = Promise.resolve(attachCommand.run(ctx, ['all'])).finally(() => (settled = true));
    while (!settled) {
      if (session.inFlight.length) await session.landNext();
      else await tick();
    }
    expect(await out).toMatchObject({ kind: 'ok' });
    // the rest of the queue (the probes `all` leaves out)
    for (let idle = 0; idle < 5; ) {
      if (session.inFlight.length) {
        idle = 0;
        await session.landNext();
      } else {
        idle++;
        await tick();
      }
    }
    const attached = engine.attachments().length;
    expect(attached).toBeGreaterThan(10);
    const spares = PROBES.filter((p) => engine.hasSpare(p)).length;
    expect(spares).toBe(PROBES.length - attached);
    // one object per attached probe and per spare: no load landed unused and left loaded
    expect(session.liveObjects()).toBe(attached + spares);
  });

  it('a probe that fails to load ahead shows nothing, then attaches or fails exactly as without preloading', async () => {
    const plain = preloadingEngine(['exec_raw', 'exec_btf', 'exec_tp']);
    const { engine, session } = preloadingEngine(['exec_raw', 'exec_btf', 'exec_tp']);
    session.refuseAsync.add('exec_raw');
    engine.preload([execsnoop]);
    await session.landNext();
    expect(engine.hasSpare(execsnoop)).toBe(false);
    expect(engine.attachments()).toEqual([]);
    expect(session.liveObjects()).toBe(0);
    const error = (e: Engine) => {
      try {
        e.attach(execsnoop, parseFilters([], [execsnoop]));
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(error(engine)).toBe(error(plain.engine));
    expect(error(engine)).toMatch(/^cannot attach execsnoop: /);
  });

  it('a probe whose first choice this kernel refuses gets no spare and falls back at attach as before', async () => {
    const { engine, session } = preloadingEngine(['exec_raw']);
    session.refuseAsync.add('exec_raw');
    engine.preload([execsnoop]);
    await session.landNext();
    const a = engine.attach(execsnoop, parseFilters([], [execsnoop]));
    expect(a.attachPoints[0]).toBe('tp_btf/sched_process_exec');
  });

  it('closing while probes load ahead leaves nothing loaded, and loads no more', async () => {
    const { engine, session } = preloadingEngine();
    engine.preload(PROBES);
    await session.landNext();
    await tick();
    expect(session.inFlight).toHaveLength(1);
    engine.close();
    session.inFlight.shift()!.land();
    await tick();
    await tick();
    expect(session.inFlight).toHaveLength(0);
    expect(session.liveObjects()).toBe(0);
  });

  it('does nothing without keepSpares', () => {
    const session = new WorkerLoadSession(new Set(), new Set());
    const engine = new Engine({ backend: { createSession: () => session, ensureTracefs: () => ({ path: '', mounted: false }), possibleCpus: () => 2 } });
    engine.preload([opensnoop]);
    expect(session.loads).toHaveLength(0);
    expect(session.inFlight).toHaveLength(0);
  });
});
