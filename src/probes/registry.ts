import { execsnoop } from './execsnoop.js';
import { opensnoop } from './opensnoop.js';
import { tcpconnect } from './tcpconnect.js';
import { procsnoop } from './procsnoop.js';
import type { ProbeSpec } from './types.js';

/** Every probe, one line each. A probe's id in the kernel is its index + 1. */
export const PROBES: readonly ProbeSpec[] = [execsnoop, opensnoop, tcpconnect, procsnoop];

/** The probe called `name` (or one of its aliases), if any. */
export function findProbe(name: string): ProbeSpec | undefined {
  const n = name.toLowerCase();
  return PROBES.find((p) => p.name === n || p.aliases.includes(n));
}

/** Kernel-side probe id (1-based; 0 is never a probe). */
export function probeId(probe: ProbeSpec): number {
  return PROBES.indexOf(probe) + 1;
}

/** The probe for a kernel-side id. */
export function probeById(id: number): ProbeSpec | undefined {
  return PROBES[id - 1];
}
