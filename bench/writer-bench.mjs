#!/usr/bin/env node
// Capture writer benchmark: open events through the real Recorder (columnar
// row encoding on the main thread, hand-off to the writer thread, SQLite in
// batched transactions), then finalize (indexes, checkpoint,
// journal_mode=DELETE). Prints rows/s and bytes/event beside sysdig-style raw
// event sizes.
//
//   npx tsc -p tsconfig.json && node bench/writer-bench.mjs [events=1000000] [dir=/tmp] [runs=3] [busy|storm]
//
// "busy" (the default): opens of many processes and paths; "storm": the open
// storm's shape, one process opening one file (a chunk's columns mostly repeat).
//
// The events are made before the clock starts (making them is the engine's
// cost, not the recorder's). Each run is a fresh capture; the figures are the
// median of the runs. On a shared machine wall-clock rates swing with the
// load, so the CPU time of each thread (Linux /proc/thread-self) is printed
// too: "capacity" is the rate when each thread has a core to itself.
// No root needed; not a test.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../dist/store/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const BASE = process.argv[3] ?? '/tmp';
const RUNS = Number(process.argv[4] ?? 3);
const STORM = process.argv[5] === 'storm';
const BATCH = 2048; // about what the engine hands over per 10 ms flush under load

// Paths shaped like a busy host's opens (library, config and proc paths).
const PATHS = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache', '/proc/self/status', '/var/log/syslog', '/home/user/project/src/index.ts', '/tmp/f'];
function batch(start) {
  const out = new Array(BATCH);
  for (let k = 0; k < BATCH; k++) {
    const i = start + k;
    const p = STORM ? '/var/tmp/ebpfsh-cpu-x1y2z3/storm-target' : PATHS[i % PATHS.length] + (i % 7 === 0 ? `.${i % 1000}` : '');
    const pid = STORM ? 4242 : 1000 + (i % 64);
    out[k] = {
      ts: 1e12 + i * 1000, kind: 0, pid, tid: pid, ppid: 900, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: pid,
      comm: STORM ? 'ebbstorm' : 'worker', probe: 'opensnoop',
      fields: { ret: STORM ? 3 : 3 + (i % 10), path: p, raw_path: p, flags: 0x80000, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 },
    };
  }
  return out;
}

// sysdig/scap: 26-byte event header (ts, tid, len, type, nparams), a u16 length per param.
// openat exit (PPME_SYSCALL_OPENAT_2_X): fd, dirfd, name, flags, mode, dev, ino.
// openat enter (PPME_SYSCALL_OPENAT_2_E): dirfd, name, flags, mode.
const scapExit = (p) => 26 + 7 * 2 + 8 + 8 + (Buffer.byteLength(p) + 1) + 4 + 4 + 4 + 8;
const scapEnter = (p) => 26 + 4 * 2 + 8 + (Buffer.byteLength(p) + 1) + 4 + 4;

/** CPU ms of the calling thread (10 ms ticks). */
function threadCpuMs() {
  const f = readFileSync('/proc/thread-self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10;
}

const batches = [];
let scapX = 0;
let scapXE = 0;
for (let sent = 0; sent < N; sent += BATCH) {
  const b = batch(sent);
  for (const e of b) {
    scapX += scapExit(e.fields.path);
    scapXE += scapExit(e.fields.path) + scapEnter(e.fields.path);
  }
  batches.push(b);
}
const total = batches.length * BATCH;

async function run() {
  const dir = mkdtempSync(join(BASE, 'ebpfsh-writer-bench-'));
  const path = join(dir, 'bench.db');
  const rec = Recorder.create(path, undefined, { toolVersion: 'bench', reserveBytes: 0, maxQueueRows: 4 * 1024 * 1024 });
  await rec.whenReady();
  const t0 = performance.now();
  const c0 = threadCpuMs();
  let recordMs = 0;
  for (let j = 0; j < batches.length; j++) {
    const r0 = performance.now();
    rec.record(batches[j]);
    recordMs += performance.now() - r0;
    // Yield like the engine does between flushes, so acks and commits interleave.
    if ((j + 1) % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  while (rec.stats().rows < total - rec.stats().dropped && rec.stats().queued > 0) await new Promise((r) => setTimeout(r, 2));
  const tCommit = performance.now();
  const mainCpu = threadCpuMs() - c0;
  const st = rec.stats();
  const res = await rec.stop('bench');
  const tEnd = performance.now();
  const bytes = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  return {
    rows: res.rows,
    dropped: res.dropped,
    e2e: res.rows / ((tCommit - t0) / 1000),
    inTx: st.rows / (st.writeMs / 1000),
    mainUs: (mainCpu * 1000) / st.rows,
    recordUs: (recordMs * 1000) / st.rows,
    writerUs: st.writerCpuMs === undefined ? NaN : (st.writerCpuMs * 1000) / st.rows,
    finalizeMs: tEnd - tCommit,
    bytesPerEvent: bytes / res.rows,
    batches: st.batches,
  };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = [];
for (let r = 0; r < RUNS; r++) {
  const x = await run();
  runs.push(x);
  console.log(`run ${r + 1}: ${fmt(x.e2e)} rows/s end to end, ${fmt(x.inTx)} rows/s in transactions, main ${x.mainUs.toFixed(2)} µs/row (record() ${x.recordUs.toFixed(2)}), writer ${x.writerUs.toFixed(2)} µs/row CPU, ${x.dropped} dropped`);
}
const m = (k) => median(runs.map((x) => x[k]));
const cap = 1e6 / Math.max(m('mainUs'), m('writerUs'));
console.log(`writer bench: ${fmt(runs[0].rows)} ${STORM ? 'storm-shaped' : 'busy-host'} open events per run, batches of ${BATCH}, median of ${RUNS} runs`);
console.log(`  end to end (encode + hand-off + worker + SQLite commit), wall clock: ${fmt(m('e2e'))} rows/s`);
console.log(`  SQLite transactions inside the writer thread, wall clock:       ${fmt(m('inTx'))} rows/s`);
console.log(`  CPU per row: main thread ${m('mainUs').toFixed(2)} µs (record() ${m('recordUs').toFixed(2)} µs), writer thread ${m('writerUs').toFixed(2)} µs`);
console.log(`  capacity with a core per thread (1 / the busier thread's CPU per row): ${fmt(cap)} rows/s`);
console.log(`  finalize (indexes on ts and pid, checkpoint, DELETE mode): ${fmt(m('finalizeMs'))} ms`);
console.log(`  capture size: ${m('bytesPerEvent').toFixed(1)} bytes/event (with indexes)`);
console.log(`  sysdig-style raw (scap) openat exit event: ${(scapX / total).toFixed(1)} bytes/event; enter + exit: ${(scapXE / total).toFixed(1)} bytes/event`);
