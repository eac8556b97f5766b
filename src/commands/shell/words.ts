import { KERNEL_KEYS } from '../../event/index.js';
import { PROBES, PROFILES, findProbe, profileProbes, type ProbeSpec } from '../../probes/index.js';
import type { ShellContext } from './types.js';

/** Every filter key usable with `probes` (every probe when none given). */
export function filterKeys(probes: readonly ProbeSpec[] = PROBES): string[] {
  const keys = new Set<string>([...KERNEL_KEYS, 'failed']);
  for (const p of probes) for (const k of Object.keys(p.filterKeys)) keys.add(k);
  return [...keys];
}

/** Every probe name and alias, then the profiles. */
export function probeWords(): string[] {
  return [...PROBES.flatMap((p) => [p.name, ...p.aliases]), ...Object.keys(PROFILES)];
}

/**
 * Candidates for a filter word: `key=` while the key is typed, then values
 * seen for that key after `key=` (completing the last of a comma list).
 */
export function completeFilterWord(ctx: ShellContext, word: string, probes: readonly ProbeSpec[] = PROBES): string[] {
  const m = /^([a-z_]+)(!?=)(.*)$/.exec(word);
  if (!m) return filterKeys(probes).map((k) => (k === 'failed' ? k : `${k}=`)).filter((k) => k.startsWith(word));
  const [, key = '', op = '', values = ''] = m;
  const comma = values.lastIndexOf(',');
  const head = `${key}${op}${values.slice(0, comma + 1)}`;
  const partial = values.slice(comma + 1);
  return ctx.seen
    .of(key)
    .filter((v) => v.startsWith(partial))
    .map((v) => head + v);
}

/** Probes named by a comma list, ignoring unknown names (for completion). */
export function probesOf(list: string): ProbeSpec[] {
  return list.split(',').flatMap((n) => {
    const p = findProbe(n);
    return p ? [p] : (profileProbes(n) ?? []);
  });
}
