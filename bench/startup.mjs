// Start-up figures (issue 14), each the median of N runs beside its target:
//   node -e 0; `ebpfsh --version`; `ebpfsh query x.db "select 1"`; and
//   launch -> first event of `ebpfsh trace execsnoop`, a bpftrace one-liner and
//   libbpf-tools execsnoop, for the installed launcher and, when built, the
//   release binary (dist/ebpfsh-*-linux-*).
//
//   node bench/startup.mjs [--runs N] [--ebpfsh PATH] [--release PATH]
//
// Run as root (the tracers load BPF). Launch -> first event: a trigger runs a
// copy of /bin/true named `ebbstart` every 2 ms (bench/workloads/build/storm
// when built, else a shell loop), the tracer is spawned, and the time is taken
// from just before the spawn to the first line of its stdout naming `ebbstart`
// (so headers and "Attaching..." lines do not count). The tools are
// interleaved inside each repetition, so load from other work on the machine
// spreads over all of them; min is shown beside the median as the figure
// least disturbed by that load.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', '7'));
const ebpfsh = arg('--ebpfsh', '/usr/local/bin/ebpfsh');
const release = arg('--release', (existsSync(path.join(root, 'dist')) ? readdirSync(path.join(root, 'dist')) : []).filter((f) => /^ebpfsh-.*-linux-[^.]+$/.test(f)).map((f) => path.join(root, 'dist', f))[0]);
const NEEDLE = 'ebbstart';
const STORM = path.join(root, 'bench/workloads/build/storm');

const tmp = mkdtempSync('/var/tmp/ebpfsh-startup-');
const trigger = path.join(tmp, NEEDLE);
copyFileSync('/bin/true', trigger);
const capture = path.join(tmp, 'x.db');

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Wall time of one run to exit, in ms (null when it failed). */
function timeRun(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    process.stderr.write(`startup: ${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr).slice(-300)}\n`);
    return null;
  }
  return ms;
}

/** Starts the exec trigger: one exec of `ebbstart` every 2 ms until stopped. */
function startTrigger() {
  return existsSync(STORM)
    ? spawn(STORM, ['exec', trigger, '-i', '2000', '-t', '60'], { stdio: 'ignore' })
    : spawn('sh', ['-c', 'while :; do "$0"; sleep 0.002; done', trigger], { stdio: 'ignore' });
}

/** Spawn -> first stdout line naming the trigger, in ms (null after 20 s or if the tracer exits). */
function firstEvent(cmd, args) {
  return new Promise((resolve) => {
    const trig = startTrigger();
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    let done = false;
    const finish = (ms) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      trig.kill('SIGKILL');
      p.kill('SIGINT');
      const kill = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(kill);
        if (ms == null) process.stderr.write(`startup: ${cmd} ${args.join(' ')} showed no event: ${err.slice(-300)}\n`);
        resolve(ms);
      });
      if (p.exitCode !== null || p.signalCode !== null) p.emit('exit');
    };
    const timer = setTimeout(() => finish(null), 20_000);
    p.stdout.on('data', (d) => {
      buf = (buf + d).slice(-8192);
      const nl = buf.lastIndexOf('\n');
      if (nl >= 0 && buf.slice(0, nl).includes(NEEDLE)) finish(performance.now() - t0);
    });
    p.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    p.on('exit', () => finish(null));
  });
}

const BT = `tracepoint:syscalls:sys_enter_execve { printf("%s\\n", str(args->filename)); }`;
/** [label, target ms or null, kind, cmd, args] */
const plan = [['node -e 0', null, 'exit', 'node', ['-e', '0']]];
const ours = [['installed', ebpfsh]];
if (release && existsSync(release)) ours.push(['release', release]);
for (const [what, bin] of ours) {
  plan.push([`${what} ebpfsh --version`, 90, 'exit', bin, ['--version']]);
  plan.push([`${what} ebpfsh query x.db "select 1"`, 150, 'exit', bin, ['query', capture, 'select 1']]);
  plan.push([`${what} ebpfsh trace execsnoop: launch -> first event`, 110, 'event', bin, ['trace', 'execsnoop', '--no-header']]);
}
if (has('bpftrace')) plan.push(['bpftrace one-liner: launch -> first event', null, 'event', 'bpftrace', ['-B', 'line', '-e', BT]]);
if (has('execsnoop')) plan.push(['libbpf-tools execsnoop: launch -> first event', null, 'event', 'stdbuf', ['-oL', 'execsnoop']]);

try {
  // The capture `query` opens: a second of execs recorded by the installed ebpfsh.
  const rec = spawnSync(ebpfsh, ['record', '-w', capture, 'execsnoop', '--duration', '1'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  if (rec.status !== 0) process.stderr.write(`startup: could not record ${capture} for the query figure: ${String(rec.stderr).slice(-300)}\n`);
  const times = plan.map(() => []);
  for (let rep = 0; rep < runs; rep++) {
    for (const [i, [, , kind, cmd, args]] of plan.entries()) times[i].push(kind === 'exit' ? timeRun(cmd, args) : await firstEvent(cmd, args));
    process.stderr.write(`startup: run ${rep + 1}/${runs} done\n`);
  }
  const fmt = (x) => (x == null ? 'n/a' : `${x.toFixed(0)} ms`);
  const rows = plan.map(([label, target], i) => {
    const m = median(times[i]);
    const verdict = target == null ? '' : m == null ? 'not measured' : m <= target ? 'met' : 'not met';
    return [label, fmt(m), fmt(times[i].filter((x) => x != null).sort((a, b) => a - b)[0] ?? null), target == null ? '' : `<= ${target} ms`, verdict];
  });
  const head = ['what', 'median', 'min', 'target', 'verdict'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r) => r.map((x, c) => (c === 0 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ').trimEnd();
  console.log(`start-up: median and min of ${runs} runs; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end`);
  console.log(`installed launcher: ${ebpfsh}; release binary: ${release && existsSync(release) ? path.relative(root, release) : 'not built (npm run release)'}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
