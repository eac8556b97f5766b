import { FilterError } from '../event/index.js';
import { PROBES, findProbe, type ProbeSpec } from '../probes/index.js';

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

/** Resolves `tcpconnect,exec` into probe specs; throws a FilterError naming the choices. */
export function parseProbeList(text: string): ProbeSpec[] {
  const out: ProbeSpec[] = [];
  for (const name of text.split(',').map((s) => s.trim())) {
    if (!name) continue;
    const p = findProbe(name);
    if (!p) throw new FilterError(`unknown probe '${name}' (probes: ${probeNames()})`);
    if (!out.includes(p)) out.push(p);
  }
  if (!out.length) throw new FilterError(`no probe named (probes: ${probeNames()})`);
  return out;
}
