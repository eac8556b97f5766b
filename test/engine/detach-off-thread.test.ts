import { describe, expect, it, vi } from 'vitest';
import { Engine, type TraceEvent } from '../../src/engine/index.js';
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
