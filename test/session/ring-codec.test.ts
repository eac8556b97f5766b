import { describe, expect, it } from 'vitest';
import type { FieldValue, TraceEvent } from '../../src/event/index.js';
import { EventArena, INDEX_BYTES_PER_EVENT, ringBytesOf } from '../../src/session/event-arena.js';

function event(fields: Record<string, FieldValue>, over: Partial<TraceEvent> = {}): TraceEvent {
  return { probe: 'opensnoop', ts: 1_700_000_123_456_789, kind: 0, pid: 4242, tid: 4243, ppid: 1, uid: 1000, gid: 1000, cgroup: 2 ** 40 + 7, pidns: 4026531836, nspid: 12, comm: 'cat', fields, ...over };
}

/** Through the arena and back (chunks of `chunk` bytes, so records cross chunk boundaries). */
function roundTrip(events: TraceEvent[], chunk = 256): TraceEvent[] {
  const a = new EventArena(chunk);
  for (const e of events) a.push(e);
  return a.from(-Infinity).toArray();
}

/** Deep equality that also tells -0 from 0, NaN from others, a Buffer from a Uint8Array, and a present undefined from a missing key. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof a === 'bigint' || typeof a === 'string' || a === null || a === undefined) return Object.is(a, b);
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.isBuffer(a) === Buffer.isBuffer(b) && Buffer.compare(a, b) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]));
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return JSON.stringify(ka) === JSON.stringify(kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const numbers = [0, -0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -100, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53), 1.5, -0.25, NaN, Infinity, -Infinity, 1e300];
const strings = ['', 'a', '/etc/passwd', 'x'.repeat(48), 'x'.repeat(49), '/tmp/'.repeat(3000), 'é', 'naïve-path/日本語', '😀 emoji', 'y'.repeat(60) + 'é', '\uD800', 'a\uDC00b', 'z'.repeat(70) + '\uD83D', '\u0000nul\u0000'];
const bytes = [new Uint8Array(0), new Uint8Array([0xff, 0xfe, 0x00, 0x80]), Uint8Array.from(Buffer.from('bad \xc3\x28 utf8', 'latin1')), new Uint8Array(5000).fill(0xc0), Buffer.from([1, 2, 0xff])];

describe('the flight ring compact form', () => {
  it('gives back every number exactly, -0, NaN, fractions and 64-bit values included', () => {
    const events = numbers.map((n, i) => event({ ret: n, flags: -n, i }, { kind: i, pid: n, tid: n, ppid: n, uid: n, gid: n, cgroup: n, pidns: n, nspid: n, ts: i * 1.5 }));
    const back = roundTrip(events);
    expect(back.length).toBe(events.length);
    for (let i = 0; i < events.length; i++) expect(same(back[i], events[i]), `number ${numbers[i]}`).toBe(true);
  });

  it('gives back strings with their exact code units, lone surrogates and long UTF-8 included', () => {
    const events = strings.map((s) => event({ path: s, raw_path: s }, { comm: s }));
    const back = roundTrip(events);
    for (let i = 0; i < events.length; i++) expect(same(back[i], events[i]), JSON.stringify(strings[i]!.slice(0, 20))).toBe(true);
  });

  it('gives back byte strings (invalid UTF-8) as fresh copies of the same bytes, a Buffer as a Buffer', () => {
    const events = bytes.map((b) => event({ path: b }, { comm: b }));
    const back = roundTrip(events);
    for (let i = 0; i < events.length; i++) {
      expect(same(back[i], events[i])).toBe(true);
      const got = back[i]!.fields.path as Uint8Array;
      expect(got.buffer.byteLength).toBe(got.byteLength); // its own memory, not a view of the arena
      expect(got).not.toBe(events[i]!.fields.path);
    }
  });

  it('gives back argv lists of text and bytes, empty ones, null and undefined fields, keys in their order', () => {
    const argv = ['/bin/sh', '-c', '', new Uint8Array([0xff]), 'é'.repeat(100)];
    const events = [
      event({ ret: 0, filename: '/bin/sh', argv, argc: 5 }, { probe: 'execsnoop' }),
      event({ argv: [], argc: 0 }, { probe: 'execsnoop' }),
      event({ a: null, b: undefined as unknown as FieldValue, c: 1 }),
      event({ c: 1, a: null }), // same probe, another shape
      event({}),
      event({ ret: 0, filename: '/bin/sh', argv, argc: 5 }, { probe: 'execsnoop' }),
    ];
    const back = roundTrip(events);
    for (let i = 0; i < events.length; i++) expect(same(back[i], events[i]), `event ${i}`).toBe(true);
    expect('b' in back[2]!.fields).toBe(true);
  });

  it('gives back bigints exactly', () => {
    const vals = [0n, -5n, 2n ** 64n + 3n, -(2n ** 70n)];
    const events = vals.map((v) => event({ v: v as unknown as FieldValue }));
    const back = roundTrip(events);
    for (let i = 0; i < vals.length; i++) expect(back[i]!.fields.v).toBe(vals[i]);
  });

  it('counts each event as its record plus its index entry, and frees chunks as the oldest go', () => {
    const a = new EventArena(1024);
    const sizes: number[] = [];
    for (let i = 0; i < 500; i++) sizes.push(a.push(event({ path: `/p/${i}` }, { ts: i })));
    expect(a.bytes).toBe(sizes.reduce((x, y) => x + y, 0));
    expect(sizes[0]).toBe(ringBytesOf(event({ path: '/p/0' })));
    expect(sizes[0]).toBeGreaterThan(INDEX_BYTES_PER_EVENT);
    const allocated = a.allocatedBytes;
    for (let i = 0; i < 400; i++) {
      expect(a.headTs()).toBe(i);
      expect(a.headProbe()).toBe('opensnoop');
      a.dropHead();
    }
    expect(a.length).toBe(100);
    expect(a.bytes).toBe(sizes.slice(400).reduce((x, y) => x + y, 0));
    expect(a.allocatedBytes).toBeLessThan(allocated / 2);
    expect(a.from(450).toArray().map((e) => e.fields.path)).toEqual(Array.from({ length: 50 }, (_, i) => `/p/${450 + i}`));
  });

  it('a snapshot keeps its events when the arena evicts after it, and takes out-of-order timestamps by their ts', () => {
    const a = new EventArena(512);
    const tsOf = (i: number) => (i % 3 === 0 ? i - 50 : i); // every third event stamped earlier (per-CPU order)
    for (let i = 0; i < 300; i++) a.push(event({ path: `/p/${i}`, argv: [`a${i}`, new Uint8Array([i & 0xff, 0xff])] }, { ts: tsOf(i) }));
    const snap = a.from(100);
    const want = Array.from({ length: 300 }, (_, i) => i).filter((i) => tsOf(i) >= 100);
    while (a.length) a.dropHead();
    for (let i = 0; i < 300; i++) a.push(event({ path: '/overwritten' }, { ts: 1e6 + i })); // reuses the freed chunks
    expect(snap.length).toBe(want.length);
    expect(snap.toArray().map((e) => e.fields.path)).toEqual(want.map((i) => `/p/${i}`));
    expect(snap.slice(5, 7).map((e) => e.ts)).toEqual(want.slice(5, 7).map(tsOf));
    expect(same(snap.at(0), event({ path: `/p/${want[0]}`, argv: [`a${want[0]}`, new Uint8Array([want[0]! & 0xff, 0xff])] }, { ts: tsOf(want[0]!) }))).toBe(true);
    expect(snap.at(want.length)).toBeUndefined();
  });
});
