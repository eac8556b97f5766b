#!/usr/bin/env node
// Replay and forensic-query figures on a 10M-event capture (issue 5's closing
// note, issue 7 figure 7). Not a test.
//
//   npx tsc -p tsconfig.json && node bench/replay-bench.mjs [events=10000000]
//
// The capture is generated once through the real Recorder (columnar encoding,
// writer thread, SQLite, finalize with indexes) and cached in bench/.cache/;
// delete it to regenerate. The mix looks like a busy host: processes forking,
// exec'ing and exiting (procsnoop, which keeps the process table, and
// execsnoop), opens (most of the volume) and connects from those processes.
//
// Printed: time to the first screen of events and peak RSS of the replay
// source (measured in a fresh child process started as bin/ebpfsh starts
// `ebpfsh replay`, so nothing else is in its heap),
// the `:goto` seek to the middle, and each documented forensic query through
// `ebpfsh query` (a fresh process each: what an analyst waits for).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const N = Number(process.argv[2] ?? 10_000_000);
// EBPFSH_BENCH_CACHE: where the capture is cached (bench/query-bench.mjs keeps it under /tmp)
const CACHE = process.env.EBPFSH_BENCH_CACHE ?? join(HERE, '.cache');
const CAPTURE = join(CACHE, `replay-${N}.db`);
const BIN = join(ROOT, 'bin/ebpfsh');

const PATHS = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache', '/proc/self/status', '/var/log/syslog', '/home/user/project/src/index.ts', '/etc/passwd', '/tmp/f'];
const PROGRAMS = [['/usr/bin/curl', 'curl', '-s', 'https://example.org/'], ['/bin/ls', 'ls', '-la'], ['/usr/bin/python3', 'python3', 'job.py'], ['/bin/sh', 'sh', '-c', 'make all'], ['/usr/bin/git', 'git', 'status']];
const DESTS = ['10.0.0.5', '93.184.216.34', '127.0.0.1', '192.168.1.20'];

/** Generates the capture through the real Recorder (a few minutes for 10M). */
async function generate() {
  const { Recorder } = await import('../dist/store/index.js');
  const { findProbe } = await import('../dist/probes/index.js');
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, '.gitignore'), '*\n');
  const tmp = `${CAPTURE}.partial`;
  rmSync(tmp, { force: true });
  const rec = Recorder.create(tmp, undefined, { toolVersion: 'bench', commandLine: ['ebpfsh', 'record', '-w', 'bench.db', 'execsnoop,opensnoop,tcpconnect'], reserveBytes: 0, maxQueueRows: 1 << 22 });
  await rec.whenReady();
  const att = (name, detail) => rec.journalAttach({ probe: findProbe(name), filters: { clauses: [] }, attachPoints: [`tp_btf/${name}`], missing: [], attachedAt: Date.now(), attachMs: 1 }, detail);
  att('procsnoop', 'process table');
  att('execsnoop');
  att('opensnoop');
  att('tcpconnect');
  const t0 = Number(process.hrtime.bigint()) + 1e6;
  const STEP = 6000; // 6 µs apart: 10M events over a minute, a storm
  const hdr = (ts, pid, ppid, comm, probe, kind = 0) => ({ ts, kind, pid, tid: pid, ppid, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: pid, comm, probe });
  const alive = []; // [pid, startTicks, comm]
  const SHELL = [900, 1];
  let nextPid = 10_000;
  let i = 0;
  const notes = [Math.floor(N * 0.25), Math.floor(N * 0.5), Math.floor(N * 0.75)];
  const started = performance.now();
  while (i < N) {
    const batch = [];
    for (let k = 0; k < 2048 && i < N; k++) {
      const ts = t0 + i * STEP;
      if (notes.includes(i)) rec.note(`bench note at event ${i}`, ts);
      if (i % 100 === 0 || alive.length === 0) {
        // A process starts: fork, exec (process table), exec (execsnoop); the oldest of 64 exits.
        const pid = nextPid++;
        const prog = PROGRAMS[pid % PROGRAMS.length];
        const st = Math.floor(ts / 1e7);
        batch.push({ ...hdr(ts, pid, SHELL[0], 'bash', 'procsnoop'), fields: { event: 'fork', ret: 0, exit_code: null, parent_pid: SHELL[0], start_ticks: st, parent_start_ticks: SHELL[1], exe: null, argv: null, truncated: 0 } });
        batch.push({ ...hdr(ts + 1, pid, SHELL[0], prog[1], 'procsnoop'), fields: { event: 'exec', ret: 0, exit_code: null, parent_pid: SHELL[0], start_ticks: st, parent_start_ticks: SHELL[1], exe: prog[0], argv: prog.slice(1), truncated: 0 } });
        batch.push({ ...hdr(ts + 2, pid, SHELL[0], prog[1], 'execsnoop'), fields: { ret: 0, filename: prog[0], exe: prog[0], argv: prog.slice(1), argc: prog.length - 1, args_size: 20, truncated: 0 } });
        alive.push([pid, st, prog[1]]);
        i += 3;
        if (alive.length > 64) {
          const [dp, dst, dcomm] = alive.shift();
          batch.push({ ...hdr(ts + 3, dp, SHELL[0], dcomm, 'procsnoop'), fields: { event: 'exit', ret: 0, exit_code: 0, parent_pid: SHELL[0], start_ticks: dst, parent_start_ticks: SHELL[1], exe: null, argv: null, truncated: 0 } });
          i++;
        }
        continue;
      }
      const [pid, , comm] = alive[i % alive.length];
      if (i % 8 === 1) {
        const d = DESTS[i % DESTS.length];
        batch.push({ ...hdr(ts, pid, SHELL[0], comm, 'tcpconnect'), fields: { ret: i % 5 === 0 ? -111 : 0, ipver: 4, saddr: '10.0.0.2', sport: 30000 + (i % 30000), daddr: d, dport: [443, 80, 22, 5432][i % 4], latency_us: 100 + (i % 900) } });
      } else {
        const p = PATHS[i % PATHS.length] + (i % 7 === 0 ? `.${i % 1000}` : '');
        batch.push({ ...hdr(ts, pid, SHELL[0], comm, 'opensnoop'), fields: { ret: i % 13 === 0 ? -2 : 3 + (i % 10), path: p, raw_path: p, flags: 0x80000, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 } });
      }
      i++;
    }
    rec.record(batch);
    // Backpressure: never let the queue drop rows.
    while (rec.stats().queued > 400_000) await new Promise((r) => setTimeout(r, 5));
    if (i % 500_000 < 2048) process.stderr.write(`\rgenerating ${CAPTURE}: ${i} events, ${Math.round((performance.now() - started) / 1000)} s`);
  }
  const res = await rec.stop('bench');
  process.stderr.write(`\ngenerated ${res.rows} rows (${res.dropped} dropped) in ${Math.round((performance.now() - started) / 1000)} s\n`);
  renameSync(tmp, CAPTURE);
}

/**
 * Measures the replay source in a fresh process: open to first screen, peak
 * RSS, seek to the middle. The child starts through bin/ebpfsh's own text (its
 * node flags and environment for `ebpfsh replay`), with the child script in
 * place of dist/main.js.
 */
function measureReplay() {
  const launcher = readFileSync(BIN, 'utf8');
  if (!launcher.includes('"$here/../dist/main.js"')) throw new Error('bin/ebpfsh no longer execs "$here/../dist/main.js": update measureReplay');
  const script = launcher.replace('"$here/../dist/main.js"', '"$EBPFSH_BENCH_CHILD"');
  const out = execFileSync('sh', ['-c', script, BIN, 'replay', CAPTURE], { encoding: 'utf8', env: { ...process.env, EBPFSH_BENCH_CHILD: join(HERE, 'replay-bench-child.mjs') } });
  return JSON.parse(out);
}

function timeQuery(sql) {
  const t = performance.now();
  const r = spawnSync(BIN, ['query', CAPTURE, sql, '--format', 'csv', '--timeout', '300'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`query failed: ${sql}: ${r.stderr}`);
  return { ms, rows: Math.max(0, r.stdout.trim().split('\n').length - 1) };
}

if (!existsSync(CAPTURE)) await generate();
if (process.argv.includes('--generate-only')) process.exit(0);
const size = statSync(CAPTURE).size;
console.log(`replay bench: ${CAPTURE} (${(size / 2 ** 30).toFixed(2)} GiB, ${N.toLocaleString('en-US')} events)`);
const runs = [measureReplay(), measureReplay(), measureReplay()];
const med = (k) => [...runs.map((r) => r[k])].sort((a, b) => a - b)[1];
console.log(`  replay open to the first screen of events: ${med('firstScreenMs').toFixed(0)} ms (open+validate ${med('openMs').toFixed(0)} ms), median of 3 fresh processes`);
console.log(`  peak RSS of the replay process (open, first screen, seek, 3 s of play at max speed; node ${runs[0].node}): ${(med('peakRssKb') / 1024).toFixed(0)} MiB (node alone: ${(med('baseRssKb') / 1024).toFixed(0)} MiB)`);
console.log(`  replay CPU at max speed: ${med('usPerEvent').toFixed(1)} us per event (process.cpuUsage over the 3 s of play)`);
console.log(`  :goto to the middle (restart the stream there + back-fill the screen): ${med('seekMs').toFixed(0)} ms`);
console.log(`  replay at max speed: ${Math.round(med('eventsPerSec')).toLocaleString('en-US')} events/s into the view`);
const pid = runs[0].middlePid;
const QUERIES = [
  ['SELECT 1 (process start, open, validate: the floor)', 'SELECT 1'],
  ['lineage of one process', `SELECT depth, ancestor_pid, ancestor_comm FROM lineage WHERE pid = ${pid} ORDER BY depth`],
  ['connections_per_process', 'SELECT * FROM connections_per_process ORDER BY connects DESC LIMIT 20'],
  ['files_per_process', 'SELECT * FROM files_per_process ORDER BY opens DESC LIMIT 20'],
  ['SELECT comm, count(*) FROM exec GROUP BY 1', 'SELECT comm, count(*) FROM exec GROUP BY 1'],
  ['WHERE pid = ? lookup (open)', `SELECT ts, path, ret FROM open WHERE pid = ${pid}`],
];
console.log('  forensic queries via `ebpfsh query` (a fresh process each, csv to a pipe):');
for (const [name, sql] of QUERIES) {
  const r = timeQuery(sql);
  console.log(`    ${name.padEnd(52)} ${r.ms.toFixed(0).padStart(7)} ms  (${r.rows} rows)`);
}
