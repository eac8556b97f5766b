import { existsSync, readFileSync } from 'node:fs';
import { ProbeError } from './errors.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt('0x' + m[1]) : 0n;
  } catch {
    return 0n;
  }
}

/** Why this process cannot load BPF, or null when it can. */
export function privilegeProblem(): string | null {
  const caps = effectiveCaps();
  const has = (c: bigint) => (caps >> c) & 1n;
  if (has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))) return null;
  return 'permission denied (run as root, e.g. sudo ebpfsh, or grant CAP_BPF and CAP_PERFMON)';
}

/** Why this kernel cannot run ebpfsh's CO-RE programs, or null. */
export function btfProblem(): string | null {
  if (existsSync('/sys/kernel/btf/vmlinux')) return null;
  return 'this kernel has no BTF at /sys/kernel/btf/vmlinux (ebpfsh needs a kernel built with CONFIG_DEBUG_INFO_BTF=y)';
}

/** Throws a ProbeError naming the fix when probes cannot be attached here. */
export function assertCanTrace(what: string): void {
  const problem = privilegeProblem() ?? btfProblem();
  if (problem) throw new ProbeError(`cannot ${what}: ${problem}`, problem.startsWith('permission') ? 'EPERM' : 'ENOTSUP');
}
