import { signalName } from '../signals.js';

/** The parts of a wait status (task->exit_code). */
export function exitStatus(status: number): { code: number; sig: number; core: number } {
  return { code: (status >> 8) & 0xff, sig: status & 0x7f, core: status & 0x80 ? 1 : 0 };
}

/** `exit 3`, `killed by SIGKILL`, `killed by SIGSEGV (core dumped)`. */
export function describeStatus(code: number, sig: number, core: number): string {
  return sig ? `killed by ${signalName(sig)}${core ? ' (core dumped)' : ''}` : `exit ${code}`;
}

/** A duration in µs as `850us`, `12.3ms`, `4.56s`, `2h03m`. */
export function formatLifetime(us: number): string {
  if (us < 1000) return `${us}us`;
  if (us < 1e6) return `${(us / 1000).toFixed(1)}ms`;
  if (us < 3600e6) return `${(us / 1e6).toFixed(2)}s`;
  const m = Math.floor(us / 60e6);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
