import { PROBES, commonKeyDocs, type ProbeSpec } from '../probes/index.js';
import type { Attachment } from '../engine/index.js';

/** Text of `ebpfsh probes`: each probe, aliases, fields, filter keys and attach points. */
export function describeProbes(attached: Map<ProbeSpec, Attachment> = new Map(), verbose = false): string {
  const lines: string[] = [];
  const common = commonKeyDocs();
  for (const p of PROBES) {
    const a = attached.get(p);
    lines.push(`${p.name}  (aliases: ${p.aliases.join(', ')}; table: ${p.table})`);
    lines.push(`  ${p.summary}`);
    const points = a
      ? a.attachPoints.map((x) => `${x} [in use]`)
      : p.hooks.map((h) => h.choices.map((c) => c.attach).join(' | fallback ') + (h.optional ? ' (optional)' : ''));
    lines.push(`  attach: ${points.join('; ')}`);
    if (a?.missing.length) lines.push(`  unavailable here: ${a.missing.join('; ')}`);
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
  return lines.join('\n');
}
