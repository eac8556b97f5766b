import { readFileSync, statfsSync } from 'node:fs';
import { resolve } from 'node:path';
import { btfProblem, privilegeProblem, type Engine } from '../engine/index.js';
import { PROGRAMS } from '../event/generated/skeleton.js';
import { escapeTerminal } from '../text/index.js';
import { checkProbes } from './probes-command.js';
import { errorLine } from './errors.js';

/** ok: works; warn: works with less, or ebpfsh fixes it itself; fail: ebpfsh cannot work until fixed; info: not an error. */
export type Verdict = 'ok' | 'warn' | 'fail' | 'info';

/** One line of the report: what was checked, what was found, and the fix when it is not ok. */
export interface DoctorCheck {
  name: string;
  verdict: Verdict;
  found: string;
  fix?: string;
}

/** What `ebpfsh doctor` found, as data (`--json`). */
export interface DoctorReport {
  host: DoctorCheck[];
  attachTypes: DoctorCheck[];
  probes: DoctorCheck[];
  space: DoctorCheck[];
}

/** The object holding one do-nothing program per attach type (bpf/probes/attach_types.bpf.c). */
const ATTACH_OBJECT = 'attach_types';
/** Attach types ebpfsh is built on, then the optional upgrades; each with its program in ATTACH_OBJECT. */
const ATTACH_TYPES: { type: string; program: keyof (typeof PROGRAMS)[typeof ATTACH_OBJECT]; needed: boolean }[] = [
  { type: 'tp_btf', program: 'doctor_tp_btf', needed: true },
  { type: 'tracepoint', program: 'doctor_tracepoint', needed: true },
  { type: 'raw_tp', program: 'doctor_raw_tp', needed: false },
  { type: 'fentry', program: 'doctor_fentry', needed: false },
  { type: 'lsm', program: 'doctor_lsm', needed: false },
  { type: 'kprobe', program: 'doctor_kprobe', needed: false },
];

/** A capture takes about this much per event on disk (docs/benchmarks.md): free space is judged by it. */
const BYTES_PER_EVENT = 120;
const GIB = 1024 ** 3;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Where tracefs is mounted now (before any check of ours mounts it), from /proc/mounts. */
export function tracefsCheck(mounts = read('/proc/mounts')): DoctorCheck {
  const at = (mounts ?? '').split('\n').map((l) => l.split(' ')).filter((f) => f[2] === 'tracefs').map((f) => f[1]!);
  if (at.length) return { name: 'tracefs', verdict: 'ok', found: `mounted at ${at.join(', ')}` };
  return {
    name: 'tracefs',
    verdict: 'warn',
    found: 'not mounted',
    fix: 'nothing to do as root: ebpfsh mounts it at /sys/kernel/tracing when a tracepoint probe attaches (by hand: mount -t tracefs nodev /sys/kernel/tracing)',
  };
}

/** The kernel lockdown mode: `confidentiality` forbids reading kernel memory, which every probe needs. */
export function lockdownCheck(text = read('/sys/kernel/security/lockdown')): DoctorCheck {
  if (text === null)
    return { name: 'lockdown', verdict: 'info', found: 'unknown (securityfs is not mounted)', fix: 'to read it: mount -t securityfs none /sys/kernel/security' };
  const mode = /\[(\w+)\]/.exec(text)?.[1] ?? text.trim();
  if (mode === 'confidentiality')
    return { name: 'lockdown', verdict: 'fail', found: 'confidentiality: BPF programs cannot read kernel memory', fix: 'boot with lockdown=integrity or none (a kernel command-line or Secure Boot policy change)' };
  return { name: 'lockdown', verdict: 'ok', found: mode === 'integrity' ? 'integrity (bpf_probe_write_user is off; ebpfsh never uses it)' : mode };
}

/** RLIMIT_MEMLOCK: since Linux 5.11 BPF memory is charged to the cgroup instead, so a low limit matters only before. */
export function memlockCheck(limits = read('/proc/self/limits'), release = read('/proc/sys/kernel/osrelease') ?? ''): DoctorCheck {
  const m = /^Max locked memory\s+(\S+)\s+/m.exec(limits ?? '');
  const soft = m?.[1] ?? 'unknown';
  const shown = /^\d+$/.test(soft) ? `${Math.round(Number(soft) / 1024 / 1024)} MiB` : soft;
  const [maj = 0, min = 0] = release.split('.').map((x) => parseInt(x, 10));
  const accounted = maj > 5 || (maj === 5 && min >= 11);
  if (accounted) return { name: 'memlock', verdict: 'ok', found: `${shown} (not used: this kernel charges BPF memory to the cgroup)` };
  const enough = soft === 'unlimited' || Number(soft) >= 64 * 1024 * 1024;
  return enough
    ? { name: 'memlock', verdict: 'ok', found: shown }
    : { name: 'memlock', verdict: 'fail', found: `${shown}: too low for the 16 MiB ring buffer on this kernel`, fix: 'ulimit -l unlimited (or LimitMEMLOCK=infinity) before starting ebpfsh' };
}

/** Free space where captures would go. */
export function spaceCheck(dir: string): DoctorCheck {
  try {
    const s = statfsSync(dir);
    const free = s.bavail * s.bsize;
    const events = Math.floor(free / BYTES_PER_EVENT / 1e6);
    const found = `${(free / GIB).toFixed(1)} GiB free in ${escapeTerminal(dir)} (room for ~${events}M events)`;
    return free >= GIB ? { name: 'free space', verdict: 'ok', found } : { name: 'free space', verdict: 'warn', found, fix: 'record to a larger filesystem (ebpfsh record -w /other/place.db), or free space first' };
  } catch (e) {
    return { name: 'free space', verdict: 'fail', found: `cannot read ${escapeTerminal(dir)}: ${errorLine(e)}`, fix: 'name a directory that exists: ebpfsh doctor --dir DIR' };
  }
}

/** Builds the report; loads BPF (briefly, nothing emitted) when privileges allow. */
export function doctorReport(newEngine: () => Engine, dir: string): DoctorReport {
  // tracefs first: the checks below mount it when they load a tracepoint program
  const host: DoctorCheck[] = [tracefsCheck()];
  const priv = privilegeProblem();
  host.unshift(priv ? { name: 'privileges', verdict: 'fail', found: priv, fix: 'run as root: sudo ebpfsh doctor' } : { name: 'privileges', verdict: 'ok', found: 'can load BPF programs' });
  const btf = btfProblem();
  host.push(btf ? { name: 'BTF', verdict: 'fail', found: btf, fix: 'use a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels are)' } : { name: 'BTF', verdict: 'ok', found: '/sys/kernel/btf/vmlinux' });
  host.push(lockdownCheck(), memlockCheck());

  const blocked = priv ?? btf;
  const attachTypes: DoctorCheck[] = [];
  const probes: DoctorCheck[] = [];
  if (blocked) {
    attachTypes.push({ name: 'attach types', verdict: 'info', found: `not checked: ${blocked}` });
    probes.push({ name: 'probes', verdict: 'info', found: `not checked: ${blocked}` });
  } else {
    const engine = newEngine();
    try {
      for (const t of ATTACH_TYPES) {
        const refusal = engine.tryProgram(ATTACH_OBJECT, t.program);
        attachTypes.push(
          refusal === null
            ? { name: t.type, verdict: 'ok', found: 'loads and attaches' }
            : t.needed
              ? { name: t.type, verdict: 'fail', found: refusal, fix: 'ebpfsh needs it: a kernel with BPF tracing support (CONFIG_BPF_EVENTS, CONFIG_DEBUG_INFO_BTF)' }
              : { name: t.type, verdict: 'info', found: `${refusal} (optional: ebpfsh is built on tp_btf and tracepoints)` },
        );
      }
    } finally {
      engine.close();
    }
    const checks = checkProbes(newEngine);
    if (typeof checks === 'string') probes.push({ name: 'probes', verdict: 'fail', found: checks });
    else
      for (const [p, c] of checks) {
        if ('error' in c) probes.push({ name: p.name, verdict: 'fail', found: c.error, fix: 'see: ebpfsh probes --verbose; other probes still work' });
        else if (c.missing.length) probes.push({ name: p.name, verdict: 'warn', found: `${c.attachPoints.join(', ')}; without ${c.missing.map((m) => m.split(':')[0]).join(', ')}` });
        else probes.push({ name: p.name, verdict: 'ok', found: c.attachPoints.join(', ') });
      }
  }
  return { host, attachTypes, probes, space: [spaceCheck(resolve(dir))] };
}

/** True when nothing in the report keeps ebpfsh from working. */
export function reportHealthy(r: DoctorReport): boolean {
  return ![...r.host, ...r.attachTypes, ...r.probes, ...r.space].some((c) => c.verdict === 'fail');
}

/** The report as text: a line per check, the fix under each that is not ok. */
export function formatReport(r: DoctorReport): string {
  const lines: string[] = [];
  const section = (title: string, checks: DoctorCheck[]) => {
    lines.push(title);
    for (const c of checks) {
      lines.push(`  ${c.verdict.padEnd(5)} ${c.name.padEnd(12)} ${c.found}`);
      if (c.fix && c.verdict !== 'ok') lines.push(`  ${''.padEnd(5)} ${''.padEnd(12)} fix: ${c.fix}`);
    }
  };
  section('host:', r.host);
  section('attach types:', r.attachTypes);
  section('probes:', r.probes);
  section('captures:', r.space);
  const all = [...r.host, ...r.attachTypes, ...r.probes, ...r.space];
  const fails = all.filter((c) => c.verdict === 'fail').length;
  const warns = all.filter((c) => c.verdict === 'warn').length;
  lines.push(fails ? `${fails} problem${fails > 1 ? 's keep' : ' keeps'} ebpfsh from working fully here${warns ? `; ${warns} warning${warns > 1 ? 's' : ''}` : ''}` : `ebpfsh works here${warns ? ` (${warns} warning${warns > 1 ? 's' : ''})` : ''}`);
  return lines.join('\n') + '\n';
}

/** Runs `ebpfsh doctor [--json] [--dir DIR]`: exit 0 when nothing fails. */
export function runDoctor(newEngine: () => Engine, opts: { json?: boolean; dir?: string }): number {
  const report = doctorReport(newEngine, opts.dir ?? process.cwd());
  process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
  return reportHealthy(report) ? 0 : 1;
}
