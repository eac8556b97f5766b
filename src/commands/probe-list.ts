import { FilterError, didYouMean } from '../event/index.js';
import { PROBES, PROFILES, findProbe, profileProbes, type ProbeSpec } from '../probes/index.js';

/** `execsnoop (exec, execve), opensnoop (open), ...` */
export function probeNames(): string {
  return PROBES.map((p) => `${p.name} (${p.aliases.join(', ')})`).join(', ');
}

/** Names of the probes a user attaches (not the capture's own), in registry order: help text examples come from here. */
export function exampleProbes(): string[] {
  return PROBES.filter((p) => !p.role).map((p) => p.name);
}

/** The table of the first such probe, for SQL examples in help text. */
export function exampleTable(): string {
  return PROBES.find((p) => !p.role)!.table;
}

/** Every word that names a probe or a profile: names, aliases, profiles (for "did you mean"). */
function probeWords(): string[] {
  return [...PROBES.flatMap((p) => [p.name, ...p.aliases]), ...Object.keys(PROFILES)];
}

/** `forensic, files, network, all` */
export function profileNames(): string {
  return Object.keys(PROFILES).join(', ');
}

/** Resolves `tcpconnect,exec` (or a profile, `forensic,open`) into probe specs; throws a FilterError naming the choices. */
export function parseProbeList(text: string): ProbeSpec[] {
  const out: ProbeSpec[] = [];
  for (const name of text.split(',').map((s) => s.trim())) {
    if (!name) continue;
    const found = findProbe(name);
    const probes = found ? [found] : profileProbes(name);
    if (!probes) throw new FilterError(`unknown probe '${name}'${didYouMean(name, probeWords())} (probes: ${probeNames()}; profiles: ${profileNames()})`);
    for (const p of probes) if (!out.includes(p)) out.push(p);
  }
  if (!out.length) throw new FilterError(`no probe named (probes: ${probeNames()}; profiles: ${profileNames()})`);
  return out;
}

/**
 * The probes of `text` that only a profile named (not a probe name): a
 * profile attaches what this kernel allows, while a probe named outright
 * must attach or the command fails.
 */
export function profileOnly(text: string): Set<ProbeSpec> {
  const words = text.split(',').map((s) => s.trim()).filter(Boolean);
  const named = new Set(words.map((w) => findProbe(w)).filter((p): p is ProbeSpec => !!p));
  return new Set(words.flatMap((w) => (findProbe(w) ? [] : (profileProbes(w) ?? []))).filter((p) => !named.has(p)));
}

/** What `ebpfsh record` and `ebpfsh -w FILE` attach when no probe is named. */
export const DEFAULT_PROFILE = 'forensic';

/**
 * `record`'s positional words: the probe list, then filters. When none is
 * given, or the first word is already a filter (`uid=1000`, `failed`), the
 * probes are the default profile.
 */
export function probesAndFilters(words: readonly string[]): { probes: string; filters: string[]; defaulted: boolean } {
  const first = words[0];
  if (first === undefined || /^[a-z_]+!?=/.test(first) || first === 'failed' || first === '!failed')
    return { probes: DEFAULT_PROFILE, filters: [...words], defaulted: true };
  return { probes: first, filters: words.slice(1), defaulted: false };
}
