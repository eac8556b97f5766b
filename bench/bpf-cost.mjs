// BPF cost per program run, in the kernel, for every probe in the registry
// (issue 16): enables kernel.bpf_stats_enabled, attaches each probe alone
// through the engine, runs a workload that triggers it, and prints each
// program's run_cnt and ns/run from the kernel's own counters (run_time_ns /
// run_cnt in /proc/self/fdinfo of the program fds this process holds). Those
// counters time the program alone, so the figure is robust to a busy machine
// (though cache contention still shows). Beside them: opensnoop's target (<= 600
// ns per open, all the programs an open runs) and a minimal single-hook reference
// (bench/workloads/single-hook.bpf.c) measured in the same run.
//
//   node bench/bpf-cost.mjs [--reps N] [--ops N] [--build-dir DIR] [--probes a,b] [--json]
//
// Root only. The median of --reps runs is printed for each program. bpf_stats
// is restored to its previous value on exit. --build-dir measures another
// build of the objects (e.g. a saved copy of build/bpf/ from before a change).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stormBinary } from './workloads/storm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Engine } = await import(path.join(root, 'dist/engine/index.js'));
const { nativeBackend } = await import(path.join(root, 'dist/engine/native.js'));
const { PROBES } = await import(path.join(root, 'dist/probes/index.js'));

const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const SYSCALLS = path.join(root, 'bench/workloads/syscalls.py');
const REF_SRC = path.join(root, 'bench/workloads/single-hook.bpf.c');
const REF_OBJ = path.join(root, 'bench/workloads/build/single-hook.bpf.o');
const OPEN_TARGET_NS = 600;

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const reps = Number(arg('--reps', 3));
const ops = Number(arg('--ops', 50000));
const buildDir = arg('--build-dir', undefined);
const only = arg('--probes', '');
const asJson = process.argv.includes('--json');

if (process.getuid?.() !== 0) {
  console.error('bpf-cost: run as root (it loads BPF programs and sets kernel.bpf_stats_enabled)');
  process.exit(1);
}
const STORM = stormBinary();

// A scratch directory other users could read (the storm and workloads run as root here, but keep /tmp's rule).
const work = mkdtempSync(path.join(tmpdir(), 'ebpfsh-bpf-cost-'));
chmodSync(work, 0o755);
writeFileSync(path.join(work, 'f'), 'x');
const before = readFileSync(STATS, 'utf8').trim();
const restore = () => {
  try {
    writeFileSync(STATS, before);
  } catch {
    // nothing more to do: the value is only a switch
  }
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', restore);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));

/** A workload that makes each probe's hooks run, as a command line. Probes not listed are reported as unmeasured. */
const py = (mode, n = Math.min(ops, 20000)) => ['python3', SYSCALLS, mode, String(n), work];
const WORKLOADS = {
  opensnoop: () => [STORM, 'open', path.join(work, 'f'), '-n', String(ops)],
  tcpconnect: () => [STORM, 'connect', String(20000 + (process.pid % 20000)), '-n', String(Math.min(ops, 20000))],
  execsnoop: () => [STORM, 'exec', '/bin/true', '-n', String(Math.min(ops, 2000))],
  procsnoop: () => [STORM, 'exec', '/bin/true', '-n', String(Math.min(ops, 2000))],
  exitsnoop: () => [STORM, 'exec', '/bin/true', '-n', String(Math.min(ops, 2000))],
  unlink: () => py('unlink'),
  rename: () => py('rename'),
  chmod: () => py('chmod'),
  chown: () => py('chown'),
  setxattr: () => py('setxattr'),
  memfd: () => py('memfd'),
  setuid: () => py('setuid'),
  ptrace: () => py('ptrace'),
  bpfsnoop: () => py('bpf', Math.min(ops, 5000)),
  killsnoop: () => py('kill'),
  mountsnoop: () => py('mount', Math.min(ops, 5000)),
  bind: () => py('bind'),
  listen: () => py('listen'),
  accept: () => py('accept', Math.min(ops, 5000)),
  dup: () => py('dup'),
};

/** prog id -> {cnt, ns} for every BPF program fd this process holds. */
function ownPrograms() {
  const out = new Map();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:bpf-prog') continue;
    let info;
    try {
      info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const field = (k) => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    out.set(field('prog_id'), { cnt: field('run_cnt'), ns: field('run_time_ns') });
  }
  return out;
}

/** Program names by id (bpftool reads them from BTF, so they are not cut at 15 characters). */
function programNames() {
  try {
    return new Map(JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { maxBuffer: 64 << 20 })).map((p) => [p.id, p.name]));
  } catch {
    return new Map();
  }
}

/** Runs `cmd` with bpf_stats on; returns {name: {runs, ns}} for the programs this process holds that ran. */
function measure(cmd) {
  const names = programNames();
  writeFileSync(STATS, '1');
  const a = ownPrograms();
  execFileSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
  const b = ownPrograms();
  writeFileSync(STATS, before);
  const out = {};
  for (const [id, v] of b) {
    const runs = v.cnt - (a.get(id)?.cnt ?? 0);
    if (runs > 0) out[names.get(id) ?? `prog ${id}`] = { runs, ns: (v.ns - (a.get(id)?.ns ?? 0)) / runs };
  }
  return out;
}

const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((x, y) => x - y);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/** Per program: median ns/run and median runs over the repetitions. */
function summarize(runs) {
  const progs = new Set(runs.flatMap((r) => Object.keys(r)));
  const out = {};
  for (const p of progs) out[p] = { runs: median(runs.map((r) => r[p]?.runs)), ns: median(runs.map((r) => r[p]?.ns)) };
  return out;
}

function measureProbe(probe) {
  const workload = WORKLOADS[probe.name];
  if (!workload) return { error: 'no workload in bench/bpf-cost.mjs' };
  const engine = new Engine(buildDir ? { buildDir: buildDir.endsWith('/') ? buildDir : buildDir + '/' } : {});
  let events = 0;
  engine.onEvents((evs) => (events += evs.length));
  try {
    engine.attach(probe, { clauses: [] });
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(measure(workload()));
    return { programs: summarize(runs), events };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  } finally {
    engine.close();
  }
}

/** The single-hook reference: loaded through the addon directly (it is not a probe). */
function measureReference() {
  try {
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', path.join(root, 'build'), '-c', REF_SRC, '-o', REF_OBJ], { stdio: 'inherit' });
  } catch {
    return { error: 'clang could not build bench/workloads/single-hook.bpf.c' };
  }
  const native = nativeBackend().createSession();
  try {
    const id = native.load(REF_OBJ, { programs: ['ref_enter_openat'], shared: [], rodata: {}, maxEntries: {} });
    native.attach(id, 'ref_enter_openat');
    const runs = [];
    // 64 MiB ring, never drained: stay well below what fills it (~300 bytes a record)
    for (let i = 0; i < reps; i++) runs.push(measure([STORM, 'open', path.join(work, 'f'), '-n', String(Math.min(ops, 50000))]));
    native.unload(id);
    return { programs: summarize(runs) };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  } finally {
    native.close();
  }
}

const wanted = only ? new Set(only.split(',')) : undefined;
const results = { reps, ops, probes: {} };
for (const probe of PROBES) {
  if (wanted && !wanted.has(probe.name)) continue;
  results.probes[probe.name] = measureProbe(probe);
  if (!asJson) process.stderr.write(`bpf-cost: ${probe.name} done\n`);
}
if (!wanted || wanted.has('opensnoop')) results.reference = measureReference();
const open = results.probes.opensnoop?.programs;
// per open: every program an openat runs (exit alone since opensnoop reads the arguments there; enter + exit before)
if (open?.exit_openat) results.open_enter_exit_ns = open.exit_openat.ns + (open.enter_openat?.ns ?? 0);
results.open_target_ns = OPEN_TARGET_NS;

if (asJson) {
  process.stdout.write(JSON.stringify(results) + '\n');
} else {
  const L = [`BPF cost per program run (bpf_stats, median of ${reps}; runs = program runs in one repetition)`, ''];
  L.push('probe        program                        runs     ns/run');
  for (const [name, r] of Object.entries(results.probes)) {
    if (r.error) {
      L.push(`${name.padEnd(12)} (${r.error})`);
      continue;
    }
    for (const [prog, v] of Object.entries(r.programs).sort()) {
      L.push(`${name.padEnd(12)} ${prog.padEnd(30)} ${String(v.runs).padStart(7)} ${v.ns.toFixed(0).padStart(10)}`);
    }
  }
  L.push('');
  const ref = results.reference?.programs?.ref_enter_openat;
  if (results.probes.opensnoop) L.push(
    `opensnoop per openat (every program it runs): ${results.open_enter_exit_ns?.toFixed(0) ?? 'n/a'} ns (target <= ${OPEN_TARGET_NS} ns)` +
      (ref ? `; single-hook reference (sys_enter_openat, path only): ${ref.ns.toFixed(0)} ns` : results.reference?.error ? `; reference: ${results.reference.error}` : ''),
  );
  process.stdout.write(L.join('\n') + '\n');
}
