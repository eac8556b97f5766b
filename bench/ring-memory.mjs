#!/usr/bin/env node
// The flight ring's memory per million events: what the process really holds (V8 heap plus ArrayBuffers outside it,
// process.memoryUsage) against the ring's own count of its bytes, the push cost, and the snapshot (decode) cost.
// Usage: npx tsc -p tsconfig.json && node --expose-gc bench/ring-memory.mjs [events=1000000] [open|exec]
// (one kind per process gives the cleanest figure)
import { FlightRing } from '../dist/session/flight-ring.js';

const n = Number(process.argv[2] ?? 1_000_000);
const only = process.argv[3];
const gc = globalThis.gc ?? (() => {});

// Shaped like decoded events (src/event/decode.ts): a fresh header object, fresh strings, a fields object per event.
function execEvent(i, ts) {
  return {
    ts, kind: 0, pid: 1000 + (i % 30000), tid: 1000 + (i % 30000), ppid: 1, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: 1000 + (i % 30000),
    comm: `true${i % 10}`.slice(0), probe: 'execsnoop',
    fields: { ret: 0, filename: `/usr/bin/true${i % 7}`, exe: `/usr/bin/true${i % 7}`, argv: ['/usr/bin/true', `arg-${i}`], argc: 2, args_size: 24, truncated: 0 },
  };
}
function openEvent(i, ts) {
  return {
    ts, kind: 0, pid: 1000 + (i % 30000), tid: 1000 + (i % 30000), ppid: 1, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: 1000 + (i % 30000),
    comm: `cat${i % 10}`, probe: 'opensnoop',
    fields: { ret: 3, path: `/etc/some/path/file-${i}.conf`, raw_path: `/etc/some/path/file-${i}.conf`, flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 },
  };
}

for (const [name, make] of [['open', openEvent], ['exec', execEvent]].filter(([k]) => !only || k === only)) {
  gc(); gc();
  const mem = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const before = mem();
  const heapBefore = process.memoryUsage().heapUsed;
  const ring = new FlightRing({ maxNs: 3600e9, maxBytes: 64 * 2 ** 30 }, () => 1e12);
  const batch = 256;
  let pushNs = 0n;
  for (let i = 0; i < n; i += batch) {
    const b = [];
    for (let j = i; j < Math.min(n, i + batch); j++) b.push(make(j, 1e12 + j));
    const t0 = process.hrtime.bigint();
    ring.push(b);
    pushNs += process.hrtime.bigint() - t0;
  }
  gc(); gc();
  const heap = mem() - before;
  const v8heap = process.memoryUsage().heapUsed - heapBefore;
  const st = ring.stats();
  console.log(`${name}: ${st.events} events, memory ${(heap / 2 ** 20).toFixed(0)} MiB (${(heap / st.events).toFixed(0)} B/event; V8 heap ${(v8heap / 2 ** 20).toFixed(0)} MiB), ring counts ${(st.bytes / 2 ** 20).toFixed(0)} MiB (${(st.bytes / st.events).toFixed(0)} B/event, ${((st.allocated ?? st.bytes) / 2 ** 20).toFixed(0)} MiB allocated); push ${(Number(pushNs) / n).toFixed(0)} ns/event`);
  const t1 = process.hrtime.bigint();
  const snap = ring.snapshot(0);
  console.log(`${name}: snapshot of ${snap.events.length} events ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(0)} ms (${(Number(process.hrtime.bigint() - t1) / snap.events.length).toFixed(0)} ns/event)`);
  // At the byte bound every push also evicts: the steady state of a full ring.
  const full = new FlightRing({ maxNs: 3600e9, maxBytes: 64 * 2 ** 20 }, () => 1e12);
  let t = 0n;
  for (let i = 0; i < n; i += batch) {
    const b = [];
    for (let j = i; j < Math.min(n, i + batch); j++) b.push(make(j, 1e12 + j));
    const t0 = process.hrtime.bigint();
    full.push(b);
    t += process.hrtime.bigint() - t0;
  }
  console.log(`${name}: full 64 MiB ring, push + evict ${(Number(t) / n).toFixed(0)} ns/event, ${full.stats().evicted} evicted, ${full.stats().events} kept`);
}

// Push cost as CPU time, robust to a shared machine: the fastest of 7 runs of 200k events into an evicting 16 MiB ring,
// strings flat like the decoder's (one latin1 slice each).
{
  const flat = (s) => Buffer.from(s, 'latin1').toString('latin1');
  const evs = [];
  for (let i = 0; i < 200_000; i++) {
    const e = openEvent(i, 1e12 + i);
    evs.push({ ...e, comm: flat(e.comm), fields: { ...e.fields, path: flat(e.fields.path), raw_path: flat(e.fields.raw_path) } });
  }
  const runs = [];
  for (let r = 0; r < 7; r++) {
    const ring = new FlightRing({ maxNs: 3600e9, maxBytes: 16 * 2 ** 20 }, () => 1e12);
    const t0 = process.cpuUsage();
    for (let i = 0; i < evs.length; i += 256) ring.push(evs.slice(i, i + 256));
    const d = process.cpuUsage(t0);
    runs.push(((d.user + d.system) * 1000) / evs.length);
  }
  runs.sort((a, b) => a - b);
  console.log(`open: push into a full ring, CPU ${runs[0].toFixed(0)} ns/event (fastest of 7), median ${runs[3].toFixed(0)}`);
}
