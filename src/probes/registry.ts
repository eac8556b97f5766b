import { execsnoop } from './execsnoop/spec.js';
import { opensnoop } from './opensnoop/spec.js';
import { tcpconnect } from './tcpconnect/spec.js';
import { procsnoop } from './procsnoop/spec.js';
import { unlink } from './unlink/spec.js';
import { rename } from './rename/spec.js';
import { bind } from './bind/spec.js';
import { listen } from './listen/spec.js';
import { accept } from './accept/spec.js';
import { dup } from './dup/spec.js';
import { chmod } from './chmod/spec.js';
import { chown } from './chown/spec.js';
import { setxattr } from './setxattr/spec.js';
import { memfd } from './memfd/spec.js';
import { setuid } from './setuid/spec.js';
import { ptrace } from './ptrace/spec.js';
import { bpfsnoop } from './bpfsnoop/spec.js';
import { exitsnoop } from './exitsnoop/spec.js';
import { killsnoop } from './killsnoop/spec.js';
import { mountsnoop } from './mountsnoop/spec.js';
import type { ProbeSpec, ProfileName } from './types.js';

/** Every probe, one line each. A probe's id in the kernel is its index + 1. */
export const PROBES: readonly ProbeSpec[] = [
  execsnoop,
  opensnoop,
  tcpconnect,
  procsnoop,
  unlink,
  rename,
  bind,
  listen,
  accept,
  dup,
  chmod,
  chown,
  setxattr,
  memfd,
  setuid,
  ptrace,
  bpfsnoop,
  exitsnoop,
  killsnoop,
  mountsnoop,
];

/** What each profile is for; `all` attaches every probe a responder can name. */
export const PROFILES: Readonly<Record<ProfileName | 'all', string>> = {
  forensic: 'what an intruder leaves: execs, connects and every low-rate security probe (the default of record)',
  files: 'file activity: opens, deletions, renames, mode, owner and xattr changes',
  network: 'sockets: connects, binds, listens, accepts and stdio redirected to a socket',
  all: 'every probe',
};

/** The probes a profile attaches, in registry order; undefined when `name` is no profile. */
export function profileProbes(name: string): ProbeSpec[] | undefined {
  const n = name.toLowerCase();
  if (n === 'all') return PROBES.filter((p) => !p.role);
  if (!Object.hasOwn(PROFILES, n)) return undefined;
  return PROBES.filter((p) => p.profiles?.includes(n as ProfileName));
}

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

/** The probe a capture attaches by itself to keep its process table current, if any. */
export function processTableProbe(): ProbeSpec | undefined {
  return PROBES.find((p) => p.role === 'process-table');
}

const facetCache = new Map<string, ProbeSpec['facets'] | null>();

/** The facets of the probe named `name` (an event's `probe`), cached: cheap enough per event. */
export function facetsOf(name: string): ProbeSpec['facets'] | undefined {
  let f = facetCache.get(name);
  if (f === undefined) facetCache.set(name, (f = PROBES.find((p) => p.name === name)?.facets ?? null));
  return f ?? undefined;
}
