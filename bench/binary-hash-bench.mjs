#!/usr/bin/env node
// Binary hashing's cost on an exec storm (issue 13): the real engine and
// Recorder (dist/) record execsnoop while bench/workloads' storm execs one
// program as fast as it can, with hashing off and on; then a loop over N
// distinct files (a new identity per exec: the worst case, every exec hashed).
// Prints execs/s, the recorder process's CPU, the hash thread's CPU and the
// hasher's counts. Run as root after a build: node bench/binary-hash-bench.mjs [seconds] [files]
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stormBinary } from './workloads/storm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { Engine } = await import(join(root, 'dist/engine/index.js'));
const { Recorder } = await import(join(root, 'dist/store/index.js'));
const { findProbe } = await import(join(root, 'dist/probes/index.js'));
const { parseFilters } = await import(join(root, 'dist/event/index.js'));

const seconds = Number(process.argv[2] ?? 5);
const nFiles = Number(process.argv[3] ?? 300);
const storm = stormBinary();

const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-hashbench-'));
chmodSync(dir, 0o755);
const prog = join(dir, 'stormed-true');
copyFileSync('/bin/true', prog);
chmodSync(prog, 0o755);
const copies = join(dir, 'copies');
mkdirSync(copies);
for (let i = 0; i < nFiles; i++) {
  // A different byte each: distinct files and hashes, not only distinct inodes.
  const f = join(copies, `t${i}`);
  copyFileSync('/bin/true', f);
  execFileSync('sh', ['-c', `printf '%08d' ${i} >> ${f}`]);
  chmodSync(f, 0o755);
}

/** Records execsnoop (path under dir) while `work` runs; returns its figures. */
async function measure(label, binaries, work) {
  const engine = new Engine();
  const path = join(dir, `${label.replace(/\W+/g, '-')}.db`);
  const rec = Recorder.create(path, engine, { toolVersion: 'bench', commandLine: ['bench'], binaries });
  await rec.whenReady();
  const exec = findProbe('execsnoop');
  engine.attach(exec, parseFilters([`path=${dir}/`], [exec]));
  const cpu0 = process.cpuUsage();
  const out = await work();
  await engine.drain();
  const res = await rec.stop('bench');
  const cpu = process.cpuUsage(cpu0);
  const s = rec.stats();
  engine.close();
  rmSync(path, { force: true });
  return { label, ...out, rows: res.rows, dropped: res.dropped, recorderCpuMs: Math.round((cpu.user + cpu.system) / 1000), binaries: s.binaries };
}

/** Runs a command without blocking the event loop (the engine delivers events on it); resolves with its stdout. */
function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => resolve(out));
  });
}
const runStorm = async () => {
  const out = await run(storm, ['exec', prog, '-t', String(seconds)]);
  const j = JSON.parse(out.trim().split('\n').pop());
  return { execs: j.ops, execsPerS: Math.round(j.ops_per_s) };
};
const runDistinct = async () => {
  const t0 = performance.now();
  await run('sh', ['-c', `for f in ${copies}/*; do "$f"; done`]);
  const s = (performance.now() - t0) / 1000;
  return { execs: nFiles, execsPerS: Math.round(nFiles / s) };
};

const results = [];
results.push(await measure('storm, one binary, hashing off', false, runStorm));
results.push(await measure('storm, one binary, hashing on', {}, runStorm));
results.push(await measure(`${nFiles} distinct binaries, hashing off`, false, runDistinct));
results.push(await measure(`${nFiles} distinct binaries, hashing on`, {}, runDistinct));
for (const r of results) {
  const b = r.binaries;
  const bin = b ? `; hashed ${b.hashed}, cached ${b.cached}, skipped ${JSON.stringify(Object.fromEntries(Object.entries(b.skipped).filter(([, n]) => n)))}, hash thread ${b.cpuMs} ms CPU` : '';
  console.log(`${r.label}: ${r.execs} execs, ${r.execsPerS} execs/s, ${r.rows} rows, ${r.dropped} dropped, recorder process ${r.recorderCpuMs} ms CPU${bin}`);
}
rmSync(dir, { recursive: true, force: true });
