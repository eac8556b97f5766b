#!/usr/bin/env node
// `ebpfsh verify` throughput (issue 13's closing note): a capture of N events
// made through the real Recorder (writer thread, integrity chain, manifest),
// cached in bench/.cache/, then verified row by row, as `ebpfsh verify` does.
//
//   npx tsc -p tsconfig.json && node bench/verify-bench.mjs [events=1000000] [runs=3]
//
// The mix is replay-bench's: procsnoop fork/exec/exit (the process table,
// whose rows change in place and are chained through chain_updates),
// execsnoop, opensnoop (most of the volume), tcpconnect. Prints the median
// verify time, rows/s and the extrapolation to 10M events. No root; not a test.
// verify spreads the row ranges over worker threads (one per CPU, at most 4).
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const CACHE = join(HERE, '.cache');
const CAPTURE = join(CACHE, `verify-${N}.db`);

const PATHS = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache', '/proc/self/status', '/var/log/syslog', '/home/user/project/src/index.ts', '/etc/passwd', '/tmp/f'];
const PROGRAMS = [['/usr/bin/curl', 'curl', '-s', 'https://example.org/'], ['/bin/ls', 'ls', '-la'], ['/usr/bin/python3', 'python3', 'job.py'], ['/bin/sh', 'sh', '-c', 'make all']];

async function generate() {
  const { Recorder } = await import('../dist/store/index.js');
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, '.gitignore'), '*\n');
  const tmp = `${CAPTURE}.partial`;
  rmSync(tmp, { force: true });
  const rec = Recorder.create(tmp, undefined, { toolVersion: 'bench', commandLine: ['ebpfsh', 'record', '-w', 'bench.db'], reserveBytes: 0, maxQueueRows: 1 << 22 });
  await rec.whenReady();
  const t0 = Number(process.hrtime.bigint()) + 1e6;
  const hdr = (ts, pid, comm, probe) => ({ ts, kind: 0, pid, tid: pid, ppid: 900, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: pid, comm, probe });
  const alive = [];
  let nextPid = 10_000;
  let i = 0;
  const started = performance.now();
  while (i < N) {
    const batch = [];
    for (let k = 0; k < 2048 && i < N; k++) {
      const ts = t0 + i * 6000;
      if (i % 100 === 0 || alive.length === 0) {
        const pid = nextPid++;
        const prog = PROGRAMS[pid % PROGRAMS.length];
        const st = Math.floor(ts / 1e7);
        const life = { parent_pid: 900, start_ticks: st, parent_start_ticks: 1, truncated: 0 };
        batch.push({ ...hdr(ts, pid, 'bash', 'procsnoop'), fields: { event: 'fork', ret: 0, exit_code: null, exe: null, argv: null, ...life } });
        batch.push({ ...hdr(ts + 1, pid, prog[1], 'procsnoop'), fields: { event: 'exec', ret: 0, exit_code: null, exe: prog[0], argv: prog.slice(1), ...life } });
        batch.push({ ...hdr(ts + 2, pid, prog[1], 'execsnoop'), fields: { ret: 0, filename: prog[0], exe: prog[0], argv: prog.slice(1), argc: prog.length - 1, args_size: 20, truncated: 0 } });
        alive.push([pid, st, prog[1]]);
        i += 3;
        if (alive.length > 64) {
          const [dp, dst, dcomm] = alive.shift();
          batch.push({ ...hdr(ts + 3, dp, dcomm, 'procsnoop'), fields: { event: 'exit', ret: 0, exit_code: 0, exe: null, argv: null, parent_pid: 900, start_ticks: dst, parent_start_ticks: 1, truncated: 0 } });
          i++;
        }
        continue;
      }
      const [pid, , comm] = alive[i % alive.length];
      if (i % 8 === 1) batch.push({ ...hdr(ts, pid, comm, 'tcpconnect'), fields: { ret: 0, ipver: 4, saddr: '10.0.0.2', sport: 30000 + (i % 30000), daddr: '93.184.216.34', dport: 443, latency_us: 100 + (i % 900) } });
      else {
        const p = PATHS[i % PATHS.length] + (i % 7 === 0 ? `.${i % 1000}` : '');
        batch.push({ ...hdr(ts, pid, comm, 'opensnoop'), fields: { ret: 3 + (i % 10), path: p, raw_path: p, flags: 0x80000, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 } });
      }
      i++;
    }
    rec.record(batch);
    while (rec.stats().queued > 400_000) await new Promise((r) => setTimeout(r, 5));
  }
  const res = await rec.stop('bench');
  const s = rec.stats();
  process.stderr.write(`generated ${res.rows} rows (${res.dropped} dropped) in ${Math.round((performance.now() - started) / 1000)} s; writer CPU ${s.writerCpuMs ?? '?'} ms (${s.writerCpuMs ? ((s.writerCpuMs * 1000) / res.rows).toFixed(2) : '?'} µs/row, chain included)\n`);
  renameSync(tmp, CAPTURE);
}

if (!existsSync(CAPTURE)) await generate();
const { verifyCapture } = await import('../dist/store/index.js');
const size = statSync(CAPTURE).size;
let report;
/** Median wall and CPU (all threads of this process) seconds of RUNS verifications with at most `threads` threads. */
async function measure(threads) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    report = await verifyCapture(CAPTURE, { threads });
    const c = process.cpuUsage(cpu);
    runs.push({ s: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6 });
    if (report.verdict !== 'intact') throw new Error(`bench capture is not intact: ${JSON.stringify(report.problems)}`);
  }
  runs.sort((a, b) => a.s - b.s);
  return runs[Math.floor(runs.length / 2)];
}
const one = await measure(1);
const many = await measure(4);
console.log(`verify bench: ${CAPTURE} (${(size / 2 ** 20).toFixed(0)} MiB, ${N.toLocaleString('en-US')} events, ${report.rows.toLocaleString('en-US')} rows in ${report.batches} batches), median of ${RUNS}`);
for (const [what, m] of [['1 thread', one], ['worker threads (one per CPU, at most 4)', many]]) {
  console.log(`  ${what}: ${m.s.toFixed(2)} s wall, ${Math.round(report.rows / m.s).toLocaleString('en-US')} rows/s; CPU ${m.cpu.toFixed(2)} s (${Math.round(report.rows / m.cpu).toLocaleString('en-US')} rows per CPU-second); 10M events: ${(m.s * 1e7 / N).toFixed(1)} s here`);
}
const cores = (await import('node:os')).availableParallelism();
console.log(`  load-independent: 10M events need ${(many.cpu * 1e7 / N).toFixed(1)} CPU-seconds; ${(many.cpu * 1e7 / N / Math.min(4, cores)).toFixed(1)} s with ${Math.min(4, cores)} idle cores`);
