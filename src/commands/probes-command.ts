import { commonKeyDocs } from '../event/index.js';
import { PROBES, PROFILES, type ProbeSpec } from '../probes/index.js';
import { btfProblem, privilegeProblem, type Attachment, type Engine } from '../engine/index.js';
import { errorLine } from './errors.js';

/** What this kernel accepts for a probe (attach points in use, or why it cannot load). */
export type ProbeCheck = Pick<Attachment, 'attachPoints' | 'missing'> | { error: string };

/** Loads each probe once with its filter off, in an engine from `newEngine`, to learn what this kernel accepts (needs root). */
export function checkProbes(newEngine: () => Engine): Map<ProbeSpec, ProbeCheck> | string {
  const problem = privilegeProblem() ?? btfProblem();
  if (problem) return problem;
  const engine = newEngine();
  const out = new Map<ProbeSpec, ProbeCheck>();
  try {
    for (const p of PROBES) {
      try {
        out.set(p, engine.check(p));
      } catch (e) {
        out.set(p, { error: errorLine(e) });
      }
    }
  } finally {
    engine.close();
  }
  return out;
}

/** Text of `ebpfsh probes`: each probe, aliases, fields, filter keys and attach points. */
export function describeProbes(checks: Map<ProbeSpec, ProbeCheck> = new Map(), verbose = false): string {
  const lines: string[] = [];
  const common = commonKeyDocs();
  for (const p of PROBES) {
    const a = checks.get(p);
    const profiles = p.role ? 'attached by captures themselves' : `profiles: ${[...(p.profiles ?? []), 'all'].join(', ')}`;
    lines.push(`${p.name}  (aliases: ${p.aliases.join(', ')}; table: ${p.table}; ${profiles})`);
    lines.push(`  ${p.summary}`);
    if (a && 'error' in a) {
      lines.push(`  cannot load here: ${a.error}`);
    } else if (a) {
      lines.push(`  attach points in use: ${a.attachPoints.join('; ')}`);
      if (a.missing.length) lines.push(`  unavailable here: ${a.missing.join('; ')}`);
    } else {
      const points = p.hooks.map((h) => h.choices.map((c) => c.attach).join(' | fallback ') + (h.optional ? ' (optional)' : ''));
      lines.push(`  attach points (best first): ${points.join('; ')}`);
    }
    lines.push(`  filters in the kernel: ${Object.keys(common).filter((k) => k !== 'failed').join(', ')}`);
    lines.push(`  filters in userspace: failed, ${Object.keys(p.filterKeys).join(', ')}`);
    if (verbose) {
      for (const [k, d] of Object.entries(p.filterKeys)) lines.push(`    ${k}: ${d.doc} (e.g. ${d.example})`);
      lines.push(`  fields: ${p.fields.map((f) => f.name).join(', ')}`);
    }
    lines.push('');
  }
  lines.push('common filter keys:');
  for (const [k, d] of Object.entries(common)) lines.push(`  ${k.padEnd(7)} ${d.doc} (e.g. ${d.example})`);
  lines.push('values: key=v1,v2 (any of), key!=v (none of); paths: /etc/ prefix, exact, or * glob');
  lines.push('', 'profiles (wherever a probe list is taken):');
  for (const [name, doc] of Object.entries(PROFILES)) lines.push(`  ${name.padEnd(9)} ${doc}`);
  return lines.join('\n');
}
