// The shell's start with probes loaded ahead (Engine.preload) against without
// (EBPFSH_PRELOAD=0), driven in tmux as a responder would (issue 16):
//   - launch -> prompt on screen;
//   - keystroke echo of 20 keys typed at once after the prompt, while the
//     probes load (the cost preloading may put on the JS thread);
//   - the shell's RSS and the kernel memory its BPF objects hold (memlock of
//     every map and program it has an fd of, each counted once), 4 s after the prompt;
//   - the FIRST `:attach open` of the session: the key -> its "attached" line,
//     and -> the first row of a file opened every millisecond.
//
//   node bench/shell-start-bench.mjs [--runs 3] [--bin BIN] [--json FILE]
//
// Medians of --runs shells per mode, the modes alternated. Times are
// send-keys -> visible in capture-pane (polled every 2 ms), so they include
// tmux and the shell's render cap (~30 frames/s): the engine's own attach ->
// first event is bench/attach-in-session.mjs (its "first" figures).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmuxDriver } from './tmux-driver.mjs';
import { stormBinary } from './workloads/storm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('runs', 3));
const BIN = arg('bin', path.join(root, 'bin/ebpfsh'));
const JSON_OUT = arg('json', '');
const SETTLE_MS = 4000;

const storm = stormBinary();
const dir = mkdtempSync('/tmp/ebpfsh-shell-start-');
chmodSync(dir, 0o755);
const target = path.join(dir, 'target');
writeFileSync(target, 'x');
const tty = tmuxDriver('ebpfsh-shell-start', { pollMs: 2 });
const { tmux, type, until } = tty;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`shell-start-bench: ${s}\n`);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const f1 = (x) => (x === undefined ? '-' : x.toFixed(1));

/** The node process under the tmux pane (the launcher execs it). */
function shellPid() {
  const pane = Number(tmux('display', '-p', '-t', 'bench:0.0', '#{pane_pid}').trim());
  const kids = (p) => readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (let p = pane, i = 0; i < 5; i++) {
    if (readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('node')) return p;
    const k = kids(p);
    if (!k.length) break;
    p = k[0];
  }
  return pane;
}

/** Kernel memory (memlock) of the BPF maps and programs `pid` holds, each object once. */
function bpfMemory(pid) {
  const seen = new Set();
  const out = { maps: 0, mapKiB: 0, progs: 0, progKiB: 0 };
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let l;
    try {
      l = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const kind = l === 'anon_inode:bpf-map' ? 'map' : l === 'anon_inode:bpf-prog' ? 'prog' : undefined;
    if (!kind) continue;
    let info;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const id = new RegExp(`${kind}_id:\\s+(\\d+)`).exec(info)?.[1];
    const mem = Number(/memlock:\s+(\d+)/.exec(info)?.[1] ?? 0);
    if (!id || seen.has(kind + id)) continue;
    seen.add(kind + id);
    out[kind + 's']++;
    out[kind + 'KiB'] += mem / 1024;
  }
  return out;
}
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const trickle = spawn(storm, ['open', target, '-i', '1000', '-t', String(RUNS * 2 * 60 + 120)], { stdio: 'ignore' });
const cleanup = () => {
  trickle.kill('SIGTERM');
  tty.kill();
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function oneShell(preload) {
  const t0 = performance.now();
  tty.start(`exec env EBPFSH_HISTORY= EBPFSH_PRELOAD=${preload ? 1 : 0} ${BIN} 2>${dir}/stderr`);
  const startMs = await until('no probe attached', t0, 30_000);
  // 20 keys at once after the prompt: the loads ahead are under way
  const echo = [];
  type(':', false);
  await until(/^:\s*$/m, performance.now());
  let typed = '';
  for (let i = 0; i < 20; i++) {
    typed += 'abcdefghijklmnopqrstuvwxyz'[i];
    const sent = performance.now();
    type(typed.at(-1), false);
    echo.push(await until(new RegExp(`^:${typed}\\s*$`, 'm'), sent));
  }
  tty.key('C-u');
  await until(/^:\s*$/m, performance.now());
  await sleep(SETTLE_MS - (performance.now() - t0 - startMs));
  const pid = shellPid();
  const mem = bpfMemory(pid);
  const rss = rssMiB(pid);
  const a0 = performance.now();
  type(`attach open path=${target}`);
  const attachLineMs = await until(/attached opensnoop/, a0);
  const firstRowMs = await until(new RegExp(`${path.basename(dir)}/target`), a0);
  type(':q');
  for (let i = 0; i < 500; i++) {
    try {
      tmux('has-session', '-t', 'bench');
    } catch {
      break;
    }
    await sleep(10);
  }
  return { startMs, echo, rss, mem, attachLineMs, firstRowMs };
}

const runs = { preload: [], without: [] };
for (let i = 0; i < RUNS; i++)
  for (const preload of i % 2 ? [false, true] : [true, false]) {
    const r = await oneShell(preload);
    runs[preload ? 'preload' : 'without'].push(r);
    log(`${preload ? 'preload' : 'without'}: ${JSON.stringify({ ...r, echo: undefined, echoP95: pct(r.echo, 0.95) })}`);
  }

const summary = (rs) => ({
  startMs: median(rs.map((r) => r.startMs)),
  echoP50: median(rs.flatMap((r) => r.echo)),
  echoP95: pct(rs.flatMap((r) => r.echo), 0.95),
  echoMax: Math.max(...rs.flatMap((r) => r.echo)),
  rssMiB: median(rs.map((r) => r.rss)),
  bpfMapKiB: median(rs.map((r) => r.mem.mapKiB)),
  bpfProgKiB: median(rs.map((r) => r.mem.progKiB)),
  maps: median(rs.map((r) => r.mem.maps)),
  progs: median(rs.map((r) => r.mem.progs)),
  attachLineMs: median(rs.map((r) => r.attachLineMs)),
  firstRowMs: median(rs.map((r) => r.firstRowMs)),
});
const out = { runs: RUNS, preload: summary(runs.preload), without: summary(runs.without) };
console.log(`shell start, probes loaded ahead vs not (EBPFSH_PRELOAD=0), median of ${RUNS} shells each (tmux):`);
for (const [k, label] of [['preload', 'loaded ahead'], ['without', 'not loaded ahead']]) {
  const s = out[k];
  console.log(`  ${label.padEnd(17)} launch->prompt ${f1(s.startMs)} ms; echo during start p50 ${f1(s.echoP50)} p95 ${f1(s.echoP95)} max ${f1(s.echoMax)} ms; ` +
    `RSS ${f1(s.rssMiB)} MiB; BPF ${s.maps} maps ${f1(s.bpfMapKiB / 1024)} MiB, ${s.progs} progs ${f1(s.bpfProgKiB / 1024)} MiB; ` +
    `first :attach open -> line ${f1(s.attachLineMs)} ms, -> first row ${f1(s.firstRowMs)} ms`);
}
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(out) + '\n');
process.exit(0);
