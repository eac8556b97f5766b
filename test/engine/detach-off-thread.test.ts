import { describe, expect, it, vi } from 'vitest';
import { Engine, type LoadOptions, type TraceEvent } from '../../src/engine/index.js';
import { loadLayouts, parseFilters } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { frame, openRecord } from '../probes/fixtures.js';
import { FakeSession } from './fake-backend.js';

// The engine checks privileges before loading; the fake kernel needs none.
vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

const layouts = loadLayouts();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** A fake kernel whose unloads run "on a worker": they finish only when the test releases them. */
class GatedUnloadSession extends FakeSession {
  readonly pending: { ids: number[]; release: () => void }[] = [];
  unloadAsync(...ids: number[]): Promise<void> {
    return new Promise((resolve) => {
      this.pending.push({ ids, release: () => (this.unload(...ids), resolve()) });
    });
  }
}

function gatedEngine() {
  const session = new GatedUnloadSession(new Set(), new Set());
  const engine = new Engine({ backend: { createSession: () => session, ensureTracefs: () => ({ path: '', mounted: false }), possibleCpus: () => 2 } });
  return { engine, session };
}

const active = (s: FakeSession) => s.mapLookup('probe_filters', u32(probeId(opensnoop)))![layouts.structs.probe_filter!.members.active!.offset];

describe('detach returns before the native unload finishes', () => {
  it('turns the probe off and forgets it at once, while the unload is still in progress', async () => {
    const { engine, session } = gatedEngine();
    engine.attach(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    engine.detach(opensnoop);
    // Still in progress: the object is loaded, the worker has not finished.
    expect(session.pending).toHaveLength(1);
    expect(session.liveObjects()).toBe(1);
    expect(engine.attachments()).toHaveLength(0);
    expect(active(session)).toBe(0);
    // the sets stay until no program can still read them
    expect(session.mapKeys('filter_uid')).toHaveLength(1);
    session.pending[0]!.release();
    await engine.unloaded();
    expect(session.liveObjects()).toBe(0);
    expect(session.mapKeys('filter_uid')).toHaveLength(0);
  });

  it('re-attaching while the old load is still being unloaded keeps the new filter and its sets', async () => {
    const { engine, session } = gatedEngine();
    engine.attach(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    engine.detach(opensnoop);
    engine.attach(opensnoop, parseFilters(['uid=2000,2001'], [opensnoop]));
    const instances = session.loads.map((l) => l.opts.rodata!.targ_instance);
    expect(instances[0]).not.toBe(instances[1]);
    session.pending[0]!.release();
    await engine.unloaded();
    expect(engine.attachments().map((a) => a.probe)).toEqual([opensnoop]);
    expect(active(session)).toBe(1);
    // only the old generation's set went: the re-attach's two values stay
    expect(session.mapKeys('filter_uid')).toHaveLength(2);
    expect(session.liveObjects()).toBe(1);
  });

  it('records already in flight when the probe was detached still reach the listeners and its counters', async () => {
    const { engine, session } = gatedEngine();
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    const seen: TraceEvent[] = [];
    engine.onEvents((evs) => seen.push(...evs));
    engine.detach(opensnoop);
    session.onBatch!(frame([openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/shadow'), flags: 0, mode: 0, kind: 0 })]));
    expect(seen.map((e) => e.fields.path)).toEqual(['/etc/shadow']);
    expect(engine.counters().find((c) => c.probe === 'opensnoop')).toMatchObject({ events: 1 });
    session.pending[0]!.release();
    await engine.unloaded();
  });
});

/** Also loads "on a worker": loads finish when the test releases them. */
class SpareSession extends GatedUnloadSession {
  readonly asyncLoads: { release: () => void }[] = [];
  loadAsync(path: string, opts: LoadOptions): Promise<number> {
    return new Promise((resolve) => this.asyncLoads.push({ release: () => resolve(this.load(path, opts)) }));
  }
}

function spareEngine() {
  const session = new SpareSession(new Set(), new Set());
  const engine = new Engine({ keepSpares: true, spareDelayMs: 0, backend: { createSession: () => session, ensureTracefs: () => ({ path: '', mounted: false }), possibleCpus: () => 2 } });
  return { engine, session };
}

describe('a detached probe stays loaded for its next attach (keepSpares)', () => {
  it('attaching again uses the spare: no load, its programs attached, its own instance', async () => {
    const { engine, session } = spareEngine();
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    engine.detach(opensnoop);
    // the spare loads only once the unload has finished
    expect(session.asyncLoads).toHaveLength(0);
    session.pending[0]!.release();
    await waitUntil(() => session.asyncLoads.length === 1);
    session.asyncLoads[0]!.release();
    await waitUntil(() => engine.hasSpare(opensnoop));
    const loads = session.loads.length;
    engine.attach(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    expect(session.loads).toHaveLength(loads);
    expect(engine.hasSpare(opensnoop)).toBe(false);
    expect(session.attached.has('exit_openat')).toBe(true);
    const instance = session.loads.at(-1)!.opts.rodata!.targ_instance;
    const pf = session.mapLookup('probe_filters', u32(probeId(opensnoop)))!;
    expect(pf.readUInt32LE(layouts.structs.probe_filter!.members.instance!.offset)).toBe(instance);
    expect(active(session)).toBe(1);
  });

  it('an attach while the spare still loads loads afresh, and the late spare is unloaded', async () => {
    const { engine, session } = spareEngine();
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    engine.detach(opensnoop);
    for (const p of session.pending) p.release();
    await waitUntil(() => session.asyncLoads.length === 1);
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    expect(session.liveObjects()).toBe(1);
    session.asyncLoads[0]!.release();
    await waitUntil(() => session.liveObjects() === 1 && session.loads.length === 3);
    expect(engine.hasSpare(opensnoop)).toBe(false);
  });

  it('close unloads a waiting spare', async () => {
    const { engine, session } = spareEngine();
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    engine.detach(opensnoop);
    for (const p of session.pending) p.release();
    await waitUntil(() => session.asyncLoads.length === 1);
    session.asyncLoads[0]!.release();
    await waitUntil(() => engine.hasSpare(opensnoop));
    const unload = vi.spyOn(session, 'unload');
    engine.close();
    // nothing is attached: the one object unloaded is the spare
    expect(unload.mock.calls.flat()).toHaveLength(1);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(check()).toBe(true);
}
