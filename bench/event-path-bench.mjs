#!/usr/bin/env node
// The tracer's userspace event path, CPU per event, stage by stage (issue 16):
// real ring-buffer batches of the open storm are captured once (as root),
// then replayed through the engine's decode (fake backend, no kernel), the
// recorder's encode + writer thread + chain, and the trace text formatter,
// each on its own, so a change is measured without the workload's noise.
//
//   sudo node bench/event-path-bench.mjs [batches=/var/tmp/ebpfsh-open-batches.bin] [runs=5]
//
// CPU is process.cpuUsage() (all threads of this process) per event, median of
// the runs; the recorder's figure includes its writer thread (it waits for
// every row to commit). Not a test.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stormBinary } from './workloads/storm.mjs';
import { Engine } from '../dist/engine/index.js';
import { findProbe } from '../dist/probes/index.js';
import { parseFilters } from '../dist/event/index.js';
import { Recorder } from '../dist/store/index.js';
import { formatEventLine } from '../dist/commands/event-format.js';
import { TraceOutput } from '../dist/commands/trace-output.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILE = process.argv[2] ?? '/var/tmp/ebpfsh-open-batches.bin';
const RUNS = Number(process.argv[3] ?? 5);
const probe = findProbe('opensnoop');

/** Captures ~1 s of real batches of the open storm into FILE: [u32 len][batch]... */
async function capture() {
  const storm = stormBinary();
  const engine = new Engine();
  const batches = [];
  const orig = engine.onBatch.bind(engine);
  engine.onBatch = (b) => {
    batches.push(Buffer.from(b));
    orig(b);
  };
  engine.attach(probe, parseFilters(['comm=ebbstorm'], [probe]));
  const dir = mkdtempSync('/tmp/ebpfsh-epb-');
  writeFileSync(join(dir, 'target-file-of-the-storm'), 'x');
  spawnSync(storm, ['open', join(dir, 'target-file-of-the-storm'), '-n', '300000'], { stdio: 'ignore' });
  await engine.drain();
  engine.close();
  rmSync(dir, { recursive: true, force: true });
  const parts = [];
  for (const b of batches) {
    const h = Buffer.alloc(4);
    h.writeUInt32LE(b.length);
    parts.push(h, b);
  }
  writeFileSync(FILE, Buffer.concat(parts));
}

function load() {
  const all = readFileSync(FILE);
  const out = [];
  for (let at = 0; at < all.length; ) {
    const n = all.readUInt32LE(at);
    out.push(all.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** An engine over a fake backend whose reader is driven by `pump(batch)`. */
function fakeEngine() {
  let onBatch;
  const session = {
    load: () => 1, unload() {}, attach: () => 1, detach() {}, mapUpdate() {}, mapDelete: () => true, mapLookup: () => null, mapKeys: () => [],
    start: (_m, cb) => (onBatch = cb), requestFlush: () => 1, waitForPrograms() {}, setPaused() {},
    stats: () => ({ batches: 0, records: 0, bytes: 0, pendingBytes: 0, queueDrops: [], handoffDrops: [], flushed: 1 }), close() {},
  };
  const engine = new Engine({ backend: { createSession: () => session, ensureTracefs: () => ({ path: '', mounted: true }), possibleCpus: () => 2 } });
  engine.attach(probe, parseFilters([], [probe]));
  return { engine, pump: (b) => onBatch(b) };
}

/** CPU µs of the calling (main) thread, from /proc (10 ms ticks). */
const threadUs = () => {
  const f = readFileSync('/proc/thread-self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10_000;
};
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function stage(name, batches, setup) {
  const per = [];
  const main = [];
  for (let r = 0; r < RUNS; r++) {
    const { engine, pump } = fakeEngine();
    let events = 0;
    engine.onEvents((evs) => (events += evs.length));
    const s = await setup(engine);
    const c0 = cpuUs();
    const m0 = threadUs();
    for (let i = 0; i < batches.length; i++) {
      pump(batches[i]);
      if ((i & 7) === 7) await new Promise((r) => setImmediate(r));
    }
    await s?.settle?.();
    per.push((cpuUs() - c0) / events);
    main.push((threadUs() - m0) / events);
    await s?.done?.();
  }
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { name, us: med(per), main: med(main) };
}

if (!existsSync(FILE)) {
  if (process.getuid?.() !== 0) throw new Error(`no ${FILE}: run once as root to capture batches`);
  await capture();
}
const batches = load();
const records = batches.reduce((n, b) => {
  let k = 0;
  for (let at = 0; at < b.length; ) {
    k++;
    at += (4 + b.readUInt32LE(at) + 7) & ~7;
  }
  return n + k;
}, 0);
console.log(`event path bench: ${records} opensnoop records in ${batches.length} batches from ${FILE}, median of ${RUNS} runs, CPU µs/event (all threads)`);
const results = [];
results.push(await stage('decode (engine.onBatch)', batches, () => undefined));
// trace > file before TraceOutput: a string per batch, converted to a Buffer by the write.
const devnull = openSync('/dev/null', 'w');
results.push(await stage('decode + text lines as strings, written', batches, (engine) => {
  engine.onEvents((evs) => {
    let text = '';
    for (const e of evs) text += formatEventLine(e, engine.clock) + '\n';
    writeSync(devnull, Buffer.from(text));
  });
}));
results.push(await stage('decode + trace output (bytes), written', batches, (engine) => {
  const out = new TraceOutput({ write: (b) => (writeSync(devnull, b), true), writableLength: 0 }, {});
  engine.onEvents((evs) => out.push(evs, engine.clock));
}));
closeSync(devnull);
const tmp = mkdtempSync('/tmp/ebpfsh-epb-');
results.push(await stage('decode + record (encode, writer thread, chain)', batches, async (engine) => {
  const path = join(tmp, `r${Math.random().toString(36).slice(2)}.db`);
  const rec = Recorder.create(path, engine, { toolVersion: 'bench', reserveBytes: 0, maxQueueRows: 4 << 20 });
  await rec.whenReady();
  return {
    settle: async () => {
      while (rec.stats().queued > 0) await new Promise((r) => setTimeout(r, 2));
    },
    done: () => rec.stop('bench'),
  };
}));
rmSync(tmp, { recursive: true, force: true });
for (const r of results) console.log(`  ${r.name.padEnd(48)} ${r.us.toFixed(2)} µs/event (main thread ${r.main.toFixed(2)})`);
