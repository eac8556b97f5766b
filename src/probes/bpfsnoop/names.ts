import { FilterError } from '../../event/filter-error.js';
import { ENUMS } from '../../event/generated/skeleton.js';

/** value -> first name of a kernel enum (later names of one value are aliases, e.g. BPF_PROG_RUN). */
function byValue(e: Record<string, number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, v] of Object.entries(e)) if (!name.startsWith('__') && !out.has(v)) out.set(v, name);
  return out;
}

const CMDS = byValue(ENUMS.bpf_cmd);
const PROG_TYPES = byValue(ENUMS.bpf_prog_type);
const MAP_TYPES = byValue(ENUMS.bpf_map_type);
const ATTACH_TYPES = byValue(ENUMS.bpf_attach_type);
const CMD_NUMBERS = new Map(Object.entries(ENUMS.bpf_cmd).filter(([n]) => !n.startsWith('__')));

/** Commands whose attr names what is created or attached (the others' attr is not read). */
export const BPF_CMD = ENUMS.bpf_cmd;

/** `BPF_PROG_LOAD` for 5 (from the kernel's enum bpf_cmd), `BPF_CMD_99` when this kernel has no such command. */
export const cmdName = (n: number) => CMDS.get(n) ?? `BPF_CMD_${n}`;
/** `BPF_PROG_TYPE_KPROBE` for 2 (enum bpf_prog_type). */
export const progTypeName = (n: number) => PROG_TYPES.get(n) ?? `BPF_PROG_TYPE_${n}`;
/** `BPF_MAP_TYPE_HASH` for 1 (enum bpf_map_type). */
export const mapTypeName = (n: number) => MAP_TYPES.get(n) ?? `BPF_MAP_TYPE_${n}`;
/** `BPF_CGROUP_INET4_CONNECT` for 10 (enum bpf_attach_type). */
export const attachTypeName = (n: number) => ATTACH_TYPES.get(n) ?? `BPF_ATTACH_TYPE_${n}`;

/** The number of `PROG_LOAD`, `bpf_prog_load`, `BPF_MAP_CREATE` or a number. */
export function parseCmd(value: string): number {
  const up = value.toUpperCase();
  const n = CMD_NUMBERS.get(up.startsWith('BPF_') ? up : 'BPF_' + up);
  if (n !== undefined) return n;
  if (/^\d+$/.test(value)) return Number(value);
  throw new FilterError(`cmd: '${value}' is not a bpf command (e.g. cmd=PROG_LOAD, cmd=BPF_MAP_CREATE,LINK_CREATE)`);
}
