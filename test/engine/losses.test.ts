import { describe, expect, it, vi } from 'vitest';
import { Engine, ProbeError, degradedTotal, lostTotal, type TraceEvent } from '../../src/engine/index.js';
import { loadLayouts, parseFilters, type Layouts } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { frame, openRecord } from '../probes/fixtures.js';
import { fakeBackend, type FakeSession } from './fake-backend.js';

// The engine checks privileges before loading; the fake kernel needs none.
vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

const layouts = loadLayouts();
const open = (id: number, path = '/etc/passwd') => openRecord(id, { ret: 3, path: Buffer.from(path), flags: 0, mode: 0, kind: 0 });

/** A task as the in-kernel filter sees it. */
interface Task {
  pid: number;
  uid: number;
  gid: number;
  comm: string;
}

function member(l: Layouts, struct: string, name: string) {
  return l.structs[struct]!.members[name]!;
}

/**
 * should_trace() of bpf/common.h, evaluated over the fake kernel's maps: what
 * a program running right now would decide for `t`.
 */
function kernelVerdict(s: FakeSession, id: number, t: Task): boolean {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(id);
  const f = s.mapLookup('probe_filters', key);
  if (!f || !f[member(layouts, 'probe_filter', 'active').offset]) return false;
  const gen = f.readUInt32LE(member(layouts, 'probe_filter', 'gen').offset);
  const u32Key = (value: number) => {
    const k = Buffer.alloc(layouts.structs.filter_u32_key!.size);
    k.writeUInt32LE(id, member(layouts, 'filter_u32_key', 'probe').offset);
    k.writeUInt32LE(gen, member(layouts, 'filter_u32_key', 'gen').offset);
    k.writeUInt32LE(value, member(layouts, 'filter_u32_key', 'value').offset);
    return k;
  };
  const commKey = () => {
    const k = Buffer.alloc(layouts.structs.filter_comm_key!.size);
    k.writeUInt32LE(id, member(layouts, 'filter_comm_key', 'probe').offset);
    k.writeUInt32LE(gen, member(layouts, 'filter_comm_key', 'gen').offset);
    k.write(t.comm, member(layouts, 'filter_comm_key', 'comm').offset, 'latin1');
    return k;
  };
  const check = (mode: string, map: string, k: Buffer) => {
    const m = f[member(layouts, 'probe_filter', mode).offset]!;
    if (!m) return true;
    const found = s.mapLookup(map, k) !== null;
    return m === 1 ? found : !found;
  };
  return check('pid_mode', 'filter_pid', u32Key(t.pid)) && check('uid_mode', 'filter_uid', u32Key(t.uid)) && check('gid_mode', 'filter_gid', u32Key(t.gid)) && check('comm_mode', 'filter_comm', commKey());
}

/** An engine on a fake kernel with opensnoop attached unfiltered: the fake, the engine and the probe's id. */
function openEngine() {
  const b = fakeBackend();
  const engine = new Engine({ backend: b });
  engine.attach(opensnoop, parseFilters([], [opensnoop]));
  return { b, engine, id: probeId(opensnoop) };
}

describe('losses add up: the engine against a fake kernel', () => {
  it('a listener that throws is counted as listener_error, the other listeners still get the batch, and the next batch flows', () => {
    const { b, engine, id } = openEngine();
    const seen: TraceEvent[] = [];
    engine.onEvents(() => {
      throw new Error('hostile path broke the consumer');
    });
    engine.onEvents((evs) => seen.push(...evs));
    expect(() => b.session.onBatch!(frame([open(id), open(id)]))).not.toThrow();
    b.session.onBatch!(frame([open(id)]));
    expect(seen).toHaveLength(3);
    const c = engine.counters().find((x) => x.probe === 'opensnoop')!;
    expect(c.losses.listener_error).toBe(3);
    expect(engine.readerHealth()).toMatchObject({ listenerErrors: 2, lastListenerError: 'hostile path broke the consumer' });
  });

  it('a record with a bad length is counted as a framing error, not dropped in silence', () => {
    const { b, engine, id } = openEngine();
    const seen: TraceEvent[] = [];
    engine.onEvents((evs) => seen.push(...evs));
    const good = frame([open(id)]);
    const bad = Buffer.alloc(16);
    bad.writeUInt32LE(5, 0); // shorter than any header
    b.session.onBatch!(Buffer.concat([good, bad]));
    const overlong = Buffer.alloc(8);
    overlong.writeUInt32LE(1 << 20, 0); // runs past the batch
    b.session.onBatch!(overlong);
    b.session.onBatch!(Buffer.from([1, 2])); // not even a length
    const unknown = open(id);
    unknown.writeUInt16LE(63, 16); // a probe id nothing loaded
    b.session.onBatch!(frame([unknown]));
    expect(seen).toHaveLength(1);
    expect(engine.sessionLosses().framing_error).toBe(4);
  });

  it('counts reader handoff failures per probe', () => {
    const { b, engine, id } = openEngine();
    b.session.handoffDrops[id] = 5;
    expect(engine.counters()[0]!.losses.handoff_failed).toBe(5);
  });

  it('string_fault and truncated events were delivered: they are degraded, not lost', () => {
    const losses = { ringbuf_full: 2, string_fault: 3, truncated: 4, queue_overflow: 1, decode_error: 0 };
    expect(lostTotal(losses)).toBe(3);
    expect(degradedTotal(losses)).toBe(7);
  });

  it('a kernel filter write that fails after attach leaves no object, link or filter entry behind', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    b.session.failMapUpdate = (map) => map === 'filter_pid';
    expect(() => engine.attach(opensnoop, parseFilters(['pid=1,2,3'], [opensnoop]))).toThrow(ProbeError);
    expect(() => engine.attach(opensnoop, parseFilters(['pid=1,2,3'], [opensnoop]))).toThrow(/kernel filter of opensnoop.*too many filter values/);
    expect(engine.attachments()).toHaveLength(0);
    expect(b.session.liveObjects()).toBe(0);
    expect(b.session.liveLinks()).toBe(0);
    expect(b.session.mapKeys('filter_pid')).toHaveLength(0);
    b.session.failMapUpdate = undefined;
    engine.attach(opensnoop, parseFilters(['pid=1'], [opensnoop]));
    expect(b.session.liveObjects()).toBe(1);
  });

  it('a filter change that fails keeps the old filter in force, whole', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    const id = probeId(opensnoop);
    const alice: Task = { pid: 10, uid: 1000, gid: 1000, comm: 'vi' };
    const bob: Task = { pid: 11, uid: 1001, gid: 1001, comm: 'vi' };
    b.session.failMapUpdate = (map) => map === 'probe_filters';
    expect(() => engine.setFilters(opensnoop, parseFilters(['uid=1001'], [opensnoop]))).toThrow(ProbeError);
    expect([kernelVerdict(b.session, id, alice), kernelVerdict(b.session, id, bob)]).toEqual([true, false]);
    expect(b.session.mapKeys('filter_uid')).toHaveLength(1);
    expect(engine.attachment(opensnoop)!.filters.clauses[0]!.text).toBe('uid=1000');
  });

  it('changing filters is atomic as the kernel sees it: after every single map write, each task gets the old verdict or the new one, all together', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    const id = probeId(opensnoop);
    const tasks: Task[] = [];
    for (const uid of [0, 1000, 1001, 1002]) for (const comm of ['sshd', 'bash', 'vi']) for (const pid of [5, 6]) tasks.push({ pid, uid, gid: uid, comm });
    const verdicts = () => tasks.map((t) => kernelVerdict(b.session, id, t)).join('');
    const sequence = [['uid=1000'], ['uid!=1000,1001'], ['comm=sshd,bash'], ['comm!=bash', 'uid=1001,1002'], ['pid=5', 'uid=1000'], ['pid!=5'], [], ['uid=1000,1001,1002', 'comm=vi']];
    engine.attach(opensnoop, parseFilters(sequence[0]!, [opensnoop]));
    let before = verdicts();
    let mixed: string[] = [];
    for (const words of sequence.slice(1)) {
      const seen = new Set<string>();
      b.session.onMapWrite = () => seen.add(verdicts());
      engine.setFilters(opensnoop, parseFilters(words, [opensnoop]));
      b.session.onMapWrite = undefined;
      const after = verdicts();
      mixed = mixed.concat([...seen].filter((v) => v !== before && v !== after).map((v) => `${words.join(' ')}: ${v}`));
      before = after;
    }
    expect(mixed).toEqual([]);
    expect(b.session.graceWaits).toBeGreaterThanOrEqual(sequence.length - 1);
  });

  it('counters stay readable after close, and batches that arrive after close still reach the listeners', () => {
    const { b, engine, id } = openEngine();
    const seen: TraceEvent[] = [];
    engine.onEvents((evs) => seen.push(...evs));
    b.session.queueDrops[id] = 2;
    engine.close();
    b.session.onBatch!(frame([open(id)]));
    expect(seen).toHaveLength(1);
    expect(engine.counters()[0]).toMatchObject({ events: 1, losses: { queue_overflow: 2 } });
  });
});

describe('follow= that fails half-way leaves nothing behind', () => {
  it('a followed map that fills up while seeding: the error is clear, and no slot or entry outlives it', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    let writes = 0;
    b.session.failMapUpdate = (map) => map === 'followed' && ++writes > 1;
    // Our own parent has at least us as a descendant: two entries to seed, the second fails.
    expect(() => engine.attach(opensnoop, parseFilters([`follow=${process.ppid}`], [opensnoop]))).toThrow(/cannot follow processes/);
    expect(b.session.mapKeys('followed')).toHaveLength(0);
    b.session.failMapUpdate = undefined;
    engine.attach(opensnoop, parseFilters([`follow=${process.ppid}`], [opensnoop]));
    expect(b.session.mapKeys('followed').length).toBeGreaterThan(1);
    engine.detach(opensnoop);
    expect(b.session.mapKeys('followed')).toHaveLength(0);
  });
});

describe('detach always unloads', () => {
  it('a filter map that refuses the clear still leaves no program or link attached', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    b.session.failMapUpdate = (map) => map === 'probe_filters';
    engine.detach(opensnoop);
    expect(b.session.liveObjects()).toBe(0);
    expect(b.session.liveLinks()).toBe(0);
    expect(engine.attachments()).toHaveLength(0);
  });
});
