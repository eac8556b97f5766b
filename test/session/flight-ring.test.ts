import { describe, expect, it } from 'vitest';
import type { Attachment } from '../../src/engine/index.js';
import type { TraceEvent } from '../../src/event/index.js';
import { findProbe } from '../../src/probes/index.js';
import { FlightRing, RING_EVICTED, ringBytesOf, parseLookBack, ringLimitsFromEnv } from '../../src/session/index.js';
import { execEvent, openEvent } from '../tui/fake-engine.js';

const S = 1e9;
const at = (e: TraceEvent, ts: number): TraceEvent => ({ ...e, ts });
const open = (ts: number, path = '/etc/passwd') => at(openEvent({ pid: 7, path }), ts);
const exec = (ts: number) => at(execEvent({ pid: 8 }), ts);

/** A ring on a clock the test moves. */
function ringAt(limits: { maxNs: number; maxBytes: number }, start = 1000 * S) {
  let now = start;
  const ring = new FlightRing(limits, () => now);
  return { ring, set: (t: number) => (now = t) };
}

function attachment(name: string, filters = ''): Attachment {
  return { probe: findProbe(name)!, filters: { clauses: [], text: filters } as unknown as Attachment['filters'], attachPoints: [`fake/${name}`], missing: [], attachedAt: 0, attachMs: 1 };
}

describe('the flight ring', () => {
  it('keeps the events of the last minutes and evicts older ones, counted per probe with the time they covered', () => {
    const { ring, set } = ringAt({ maxNs: 60 * S, maxBytes: 1 << 30 });
    ring.push([open(1001 * S), exec(1002 * S), open(1030 * S)]);
    expect(ring.stats()).toMatchObject({ events: 3, evicted: 0 });
    set(1063 * S); // 1001 and 1002 are now older than a minute
    ring.trim();
    expect(ring.stats()).toMatchObject({ events: 1, evicted: 2 });
    const snap = ring.snapshot(0);
    expect(snap.events.toArray().map((e) => e.ts)).toEqual([1030 * S]);
    expect(snap.sinceNs).toBe(1003 * S); // never further back than the time bound
    // evicted by time: counted, but before any window a capture can ask for
    expect(snap.losses).toEqual([]);
    expect(ring.spanNs()).toBe(60 * S);
  });

  it('evicts the oldest events when the bytes bound is hit, and the span shrinks to after the newest evicted one', () => {
    const one = ringBytesOf(open(0));
    const { ring, set } = ringAt({ maxNs: 600 * S, maxBytes: one * 3 + one / 2 }, 1000 * S);
    set(1010 * S);
    expect(ring.spanNs()).toBe(10 * S); // complete since the ring started
    ring.push([open(1001 * S), open(1002 * S), open(1003 * S)]);
    ring.push([open(1004 * S), open(1005 * S)]);
    expect(ring.stats()).toMatchObject({ events: 3, evicted: 2 });
    expect(ring.stats().bytes).toBeLessThanOrEqual(one * 3 + one / 2);
    expect(ring.spanNs()).toBe(8 * S); // since 1002, the newest evicted event
    expect(ring.completeSinceNs()).toBe(1002 * S);
    const snap = ring.snapshot(0);
    expect(snap.events.toArray().map((e) => e.ts / S)).toEqual([1003, 1004, 1005]);
    // counted in buckets of at most a second: each with the exact time range of the events it lost
    expect(snap.losses).toEqual([
      { probe: 'opensnoop', cause: RING_EVICTED, startNs: 1001 * S, endNs: 1001 * S, count: 1 },
      { probe: 'opensnoop', cause: RING_EVICTED, startNs: 1002 * S, endNs: 1002 * S, count: 1 },
    ]);
  });

  it('reports only the evictions that reach into the window asked for', () => {
    const one = ringBytesOf(exec(0));
    const { ring, set } = ringAt({ maxNs: 600 * S, maxBytes: one * 2 }, 1000 * S);
    ring.push([exec(1001 * S), exec(1005 * S), exec(1009 * S), exec(1010 * S)]);
    set(1020 * S);
    const losses = (since: number) => ring.snapshot(since).losses.reduce((n, l) => n + l.count, 0);
    expect(losses(0)).toBe(2);
    expect(losses(1004 * S)).toBe(1); // the one of 1005; 1001 was before the window
    expect(losses(1006 * S)).toBe(0);
  });

  it('keeps eviction totals exact however long it runs (old buckets merge)', () => {
    const one = ringBytesOf(open(0));
    const { ring, set } = ringAt({ maxNs: 1e6 * S, maxBytes: one }, 0);
    for (let i = 1; i <= 3000; i++) ring.push([open(i * 2 * S)]);
    set(6001 * S);
    const snap = ring.snapshot(0);
    expect(snap.losses.reduce((n, l) => n + l.count, 0)).toBe(2999);
    expect(snap.losses.length).toBeLessThanOrEqual(1024);
    expect(ring.stats().evicted).toBe(2999);
  });

  it('says who was attached at the window start, and every attach, filter and detach inside it', () => {
    const { ring, set } = ringAt({ maxNs: 600 * S, maxBytes: 1 << 30 }, 1000 * S);
    ring.journal({ action: 'attach', attachment: attachment('execsnoop') }, 1001 * S);
    ring.journal({ action: 'attach', attachment: attachment('opensnoop') }, 1002 * S);
    ring.journal({ action: 'filter', attachment: attachment('opensnoop', 'uid=0') }, 1010 * S);
    ring.journal({ action: 'detach', attachment: attachment('execsnoop') }, 1020 * S);
    set(1030 * S);
    const snap = ring.snapshot(1005 * S);
    expect(snap.attached.map((a) => [a.attachment.probe.name, a.sinceNs / S])).toEqual([
      ['execsnoop', 1001],
      ['opensnoop', 1002],
    ]);
    expect(snap.changes.map((c) => [c.action, c.attachment.probe.name, c.ts / S])).toEqual([
      ['filter', 'opensnoop', 1010],
      ['detach', 'execsnoop', 1020],
    ]);
    // history older than the time bound folds into the state at the bound
    set(1000 * S + 600 * S + 15 * S);
    ring.trim();
    const later = ring.snapshot(0);
    expect(later.attached.map((a) => a.attachment.probe.name)).toEqual(['execsnoop', 'opensnoop']); // at 1015 s, before the detach
    expect(later.changes.map((c) => c.action)).toEqual(['detach']);
  });

  it("keeps the engine's losses between samples over its span", () => {
    const { ring, set } = ringAt({ maxNs: 600 * S, maxBytes: 1 << 30 }, 1000 * S);
    const counters = (n: number) => [{ probe: 'opensnoop', events: 0, filtered: 0, losses: { ringbuf_full: n } as never }];
    set(1001 * S);
    ring.sampleLosses(counters(0));
    set(1002 * S);
    ring.sampleLosses(counters(5));
    set(1003 * S);
    ring.sampleLosses(counters(5));
    expect(ring.snapshot(0).losses).toEqual([{ probe: 'opensnoop', cause: 'ringbuf_full', startNs: 1001 * S, endNs: 1002 * S, count: 5 }]);
  });

  it('counts an event by the real bytes of its compact form', () => {
    // path and raw_path: 998 more bytes each, and a length one byte longer
    expect(ringBytesOf(open(0, '/a'.repeat(500))) - ringBytesOf(open(0, '/a'))).toBe(998 * 2 + 2);
  });

  it('keeps its bytes to the records it holds while evicting through many chunks', () => {
    const one = ringBytesOf(open(0, '/p/000000'));
    const { ring } = ringAt({ maxNs: 600 * S, maxBytes: one * 50_000 });
    for (let b = 0; b < 40; b++) ring.push(Array.from({ length: 5000 }, (_, i) => open(1000 * S + b * 5000 + i, `/p/${String(b * 5000 + i).padStart(6, '0')}`)));
    const st = ring.stats();
    expect(st).toMatchObject({ events: 50_000, evicted: 150_000, bytes: one * 50_000 });
    expect(st.allocated).toBeGreaterThanOrEqual(st.bytes);
    expect(st.allocated).toBeLessThan(st.bytes + 4 * 1024 * 1024); // two partly used chunks, the spare, index spare capacity
    const snap = ring.snapshot(0);
    expect(snap.events.length).toBe(50_000);
    expect(snap.events.at(0)!.fields.path).toBe('/p/150000');
    expect(snap.events.at(49_999)!.fields.path).toBe('/p/199999');
    expect(snap.losses.reduce((n, l) => n + l.count, 0)).toBe(150_000);
  });
});

describe('ring settings', () => {
  it('defaults to 10 minutes and 32 MiB, and takes EBPFSH_RING_MINUTES and EBPFSH_RING_MB', () => {
    expect(ringLimitsFromEnv({})).toEqual({ maxNs: 600 * S, maxBytes: 32 * 2 ** 20 });
    expect(ringLimitsFromEnv({ EBPFSH_RING_MINUTES: '2.5', EBPFSH_RING_MB: '16' })).toEqual({ maxNs: 150 * S, maxBytes: 16 * 2 ** 20 });
  });

  it('refuses a bad setting with one line naming the fix', () => {
    for (const v of ['0', '-1', 'ten', '1e3', '99999']) expect(() => ringLimitsFromEnv({ EBPFSH_RING_MINUTES: v })).toThrow(/^EBPFSH_RING_MINUTES=.* is not a number of minutes above 0 and at most 1440 \(e\.g\. EBPFSH_RING_MINUTES=10\)$/);
    expect(() => ringLimitsFromEnv({ EBPFSH_RING_MB: '0' })).toThrow(/EBPFSH_RING_MB=0 is not a number of MiB above 0/);
  });

  it('reads look-back durations', () => {
    expect(parseLookBack('90s')).toBe(90 * S);
    expect(parseLookBack('5m')).toBe(300 * S);
    expect(parseLookBack('1.5h')).toBe(5400 * S);
    expect(parseLookBack('all')).toBe(Infinity);
    for (const bad of ['5', '5 m', '-5m', '0m', 'forever', '']) expect(() => parseLookBack(bad)).toThrow(/--since takes a duration such as 90s, 5m or 1h, or all/);
  });
});
