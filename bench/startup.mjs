// Start-up figures (issue 14), each the median of N runs beside its target:
//   node -e 0; `ebpfsh --version`; `ebpfsh query x.db "select 1"`; and
//   launch -> first event of `ebpfsh trace execsnoop`, a bpftrace one-liner and
//   libbpf-tools execsnoop, for the installed launcher and, when built, the
//   release binary (dist/ebpfsh-*-linux-*).
//
//   node bench/startup.mjs [--runs N] [--ebpfsh PATH]... [--release PATH]
// (--ebpfsh more than once: several launchers side by side, e.g. before/after a change)
//
// Run as root (the tracers load BPF). Launch -> first event: a trigger runs a
// copy of /bin/true named `ebbstart` every 2 ms (bench/workloads/build/storm
// when built, else a shell loop), the tracer is spawned, and the time is taken
// from just before the spawn to the first line of its stdout naming `ebbstart`
// (so headers and "Attaching..." lines do not count). The tools are
// interleaved inside each repetition, so load from other work on the machine
// spreads over all of them. Beside the wall time (what the targets are about)
// is the CPU time the command used to get there, which other work on a busy
// machine inflates far less: user+sys from wait4 for a command that exits
// (its reaped children included), and the tracer's on-CPU time from
// /proc/PID/task/*/schedstat at the moment its first event arrives.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(arg('--runs', '7'));
const launchers = process.argv.flatMap((a, i) => (a === '--ebpfsh' ? [process.argv[i + 1]] : []));
if (!launchers.length) launchers.push('/usr/local/bin/ebpfsh');
const ebpfsh = launchers[0];
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

// Runs argv and prints wall ms, CPU ms (wait4's rusage: the command and the children it reaped) and the exit code.
const WAIT4 = `import os, sys, time
t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open('/dev/null', os.O_WRONLY), 1)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
print((time.perf_counter() - t) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, os.waitstatus_to_exitcode(status))`;

/** One run to exit: { wall, cpu } in ms, or null when it failed. */
function timeRun(cmd, args, env = process.env) {
  const r = spawnSync('python3', ['-c', WAIT4, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, env });
  const [wall, cpu, code] = String(r.stdout).trim().split(' ').map(Number);
  if (r.status !== 0 || code !== 0) {
    process.stderr.write(`startup: ${cmd} ${args.join(' ')} failed (${code ?? r.status}): ${String(r.stderr).slice(-300)}\n`);
    return null;
  }
  return { wall, cpu };
}

/** On-CPU ms of every thread of `pid` so far (schedstat counts nanoseconds). */
function cpuSoFar(pid) {
  try {
    const dir = `/proc/${pid}/task`;
    return readdirSync(dir).reduce((ns, t) => ns + Number(readFileSync(`${dir}/${t}/schedstat`, 'utf8').split(' ')[0]), 0) / 1e6;
  } catch {
    return null;
  }
}

/** Starts the exec trigger: one exec of `ebbstart` every 2 ms until stopped. */
function startTrigger() {
  return existsSync(STORM)
    ? spawn(STORM, ['exec', trigger, '-i', '2000', '-t', '60'], { stdio: 'ignore' })
    : spawn('sh', ['-c', 'while :; do "$0"; sleep 0.002; done', trigger], { stdio: 'ignore' });
}

/** Whether any process of process group `pgid` is still alive. */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves once every process of group `pgid` has exited (at most `ms`): a
 * tracer may hand its links to a child that tears them down after it exits,
 * and the kernel serialises tracepoint teardown with the next tool's attach,
 * so the next figure would be charged for this tool's exit.
 */
async function groupGone(pgid, ms = 10_000) {
  const until = performance.now() + ms;
  while (groupAlive(pgid) && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
}

/** Spawn -> first stdout line naming the trigger: { wall, cpu } in ms (null after 20 s or if the tracer exits). */
async function firstEvent(cmd, args, env = process.env) {
  const pgid = { value: 0 };
  const result = await firstEventOnce(cmd, args, pgid, env);
  await groupGone(pgid.value);
  return result;
}

function firstEventOnce(cmd, args, pgid, env) {
  return new Promise((resolve) => {
    const trig = startTrigger();
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env });
    pgid.value = p.pid;
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
      if (nl >= 0 && buf.slice(0, nl).includes(NEEDLE)) finish({ wall: performance.now() - t0, cpu: cpuSoFar(p.pid) });
    });
    p.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
    p.on('exit', () => finish(null));
  });
}

const BT = `tracepoint:syscalls:sys_enter_execve { printf("%s\\n", str(args->filename)); }`;
/** [label, target ms or null, kind, cmd, args, env (default: ours)] */
const plan = [['node -e 0', null, 'exit', 'node', ['-e', '0']]];
const ours = launchers.map((l) => [launchers.length > 1 ? l : 'installed', l]);
if (release && existsSync(release)) ours.push(['release', release]);
for (const [what, bin] of ours) {
  plan.push([`${what} ebpfsh --version`, 90, 'exit', bin, ['--version']]);
  plan.push([`${what} ebpfsh query x.db "select 1"`, 150, 'exit', bin, ['query', capture, 'select 1']]);
  // The trace path's own start-up without the kernel: the same imports, no BPF load or attach.
  plan.push([`${what} ebpfsh trace --explain execsnoop (no kernel)`, null, 'exit', bin, ['trace', '--explain', 'execsnoop']]);
  plan.push([`${what} ebpfsh trace execsnoop: launch -> first event`, 110, 'event', bin, ['trace', 'execsnoop', '--no-header']]);
}
// Node (so every ebpfsh start) parses its ~140 bundled root certificates and the
// file NODE_EXTRA_CA_CERTS names before running any JavaScript: ~40 ms here,
// where the environment sets it. sudo's env_reset drops it, so a responder's
// `sudo ebpfsh` does not pay it: measured both ways when it is set.
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _, ...bare } = process.env;
  const unset = ' (NODE_EXTRA_CA_CERTS unset, as under sudo)';
  plan.push([`node -e 0${unset}`, null, 'exit', 'node', ['-e', '0'], bare]);
  for (const [what, bin] of ours) plan.push([`${what} ebpfsh trace execsnoop: launch -> first event${unset}`, 110, 'event', bin, ['trace', 'execsnoop', '--no-header'], bare]);
}
if (has('bpftrace')) plan.push(['bpftrace one-liner: launch -> first event', null, 'event', 'bpftrace', ['-B', 'line', '-e', BT]]);
if (has('execsnoop')) plan.push(['libbpf-tools execsnoop: launch -> first event', null, 'event', 'stdbuf', ['-oL', 'execsnoop']]);

try {
  // The capture `query` opens: a second of execs recorded by the installed ebpfsh.
  const rec = spawnSync(ebpfsh, ['record', '-w', capture, 'execsnoop', '--duration', '1'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  if (rec.status !== 0) process.stderr.write(`startup: could not record ${capture} for the query figure: ${String(rec.stderr).slice(-300)}\n`);
  const times = plan.map(() => []);
  for (let rep = 0; rep < runs; rep++) {
    for (const [i, [, , kind, cmd, args, env]] of plan.entries()) times[i].push(kind === 'exit' ? timeRun(cmd, args, env) : await firstEvent(cmd, args, env));
    process.stderr.write(`startup: run ${rep + 1}/${runs} done\n`);
  }
  const fmt = (x) => (x == null ? 'n/a' : `${x.toFixed(0)} ms`);
  const rows = plan.map(([label, target], i) => {
    const ok = times[i].filter((x) => x != null);
    const wall = median(ok.map((x) => x.wall));
    const verdict = target == null ? '' : wall == null ? 'not measured' : wall <= target ? 'met' : 'not met';
    const min = ok.length ? Math.min(...ok.map((x) => x.wall)) : null;
    return [label, fmt(wall), fmt(min), fmt(median(ok.map((x) => x.cpu))), target == null ? '' : `<= ${target} ms`, verdict];
  });
  const head = ['what', 'wall median', 'wall min', 'CPU median', 'target (wall)', 'verdict'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r) => r.map((x, c) => (c === 0 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ').trimEnd();
  console.log(`start-up: ${runs} runs each; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end (${cpus().length} CPUs)`);
  console.log(`installed launcher: ${launchers.join(', ')}; release binary: ${release && existsSync(release) ? path.relative(root, release) : 'not built (npm run release)'}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
