import { FilterError } from '../../event/filter-error.js';
import type { ByteString } from '../../event/index.js';
import { PROC_F_ARGS_TRUNCATED, PROC_F_EXE_TRUNCATED, PROC_KIND_EXEC, PROC_KIND_EXIT, PROC_KIND_FORK } from '../../event/generated/skeleton.js';
import type { ProbeSpec } from '../types.js';
import { procsnoopFacets } from './facets.js';

/** The event of each enum proc_kind. */
const KINDS: Record<number, string> = { [PROC_KIND_FORK]: 'fork', [PROC_KIND_EXEC]: 'exec', [PROC_KIND_EXIT]: 'exit' };

/** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on every Linux architecture ebpfsh runs on). */
export const USER_HZ = 100;

/** A CLOCK_BOOTTIME ns start time as /proc/PID/stat field 22 shows it (clock ticks since boot). */
export function startTicks(bootNs: number): number {
  return Math.floor(bootNs / (1e9 / USER_HZ));
}

/** Describes an exit wait status: `exit 0`, `exit 3`, `killed by signal 9`. */
export function describeExit(status: number): string {
  const sig = status & 0x7f;
  return sig ? `killed by signal ${sig}${status & 0x80 ? ' (core dumped)' : ''}` : `exit ${(status >> 8) & 0xff}`;
}

function parseKind(value: string): string {
  const v = value.toLowerCase();
  if (!Object.values(KINDS).includes(v)) throw new FilterError(`event: '${value}' is not fork, exec or exit (e.g. event=exit)`);
  return v;
}

/** procsnoop: process lifetimes (fork, exec, exit with its status); keeps a capture's process table current. */
export const procsnoop: ProbeSpec = {
  name: 'procsnoop',
  aliases: ['proc', 'fork'],
  table: 'proc',
  summary: 'process lifetimes: fork (new processes, not threads), exec, exit with status',
  object: 'procsnoop',
  hooks: [
    {
      name: 'fork',
      choices: [
        { programs: ['fork_btf'], attach: 'tp_btf/sched_process_fork' },
        { programs: ['fork_raw'], attach: 'raw_tp/sched_process_fork' },
      ],
    },
    {
      name: 'exit',
      choices: [
        { programs: ['exit_btf'], attach: 'tp_btf/sched_process_exit' },
        { programs: ['exit_raw'], attach: 'raw_tp/sched_process_exit' },
      ],
    },
    {
      name: 'exec',
      optional: true,
      choices: [
        { programs: ['exec_btf'], attach: 'tp_btf/sched_process_exec' },
        { programs: ['exec_raw'], attach: 'raw_tp/sched_process_exec' },
      ],
    },
  ],
  record: {
    struct: 'proc_life_event',
    members: { start_ns: 'u64', parent_start_ns: 'u64', parent_pid: 'u32', exit_code: 'i32', flags: 'u16', exe_len: 'u16', args_len: 'u16' },
    segments: ['exe_len', 'args_len'],
  },
  fields: [
    { name: 'event', type: 'text', doc: 'fork, exec or exit (for fork the header describes the new child)', width: 5 },
    { name: 'ret', type: 'int', doc: '0, or -1 for an exit with a non-zero status or by a signal (what `failed` selects)' },
    { name: 'exit_code', type: 'int', doc: 'exit only: wait status (status << 8 | signal), null otherwise' },
    { name: 'parent_pid', type: 'int', doc: 'pid of the parent process' },
    { name: 'start_ticks', type: 'int', doc: 'process start in clock ticks since boot (as /proc/PID/stat field 22)' },
    { name: 'parent_start_ticks', type: 'int', doc: 'the parent process start in clock ticks since boot' },
    { name: 'exe', type: 'text', doc: 'exec only: absolute path of the new executable' },
    { name: 'argv', type: 'argv', doc: 'exec only: argument vector (at most 1023 bytes)' },
    { name: 'truncated', type: 'int', doc: '1 when exe or argv was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    event: {
      doc: 'fork, exec or exit',
      example: 'event=exit',
      parse: parseKind,
      match: (e, values) => values.includes(e.fields.event),
    },
  },
  decode(raw, kind) {
    const { members } = raw;
    const event = KINDS[kind] ?? `kind${kind}`;
    const code = members.exit_code as number;
    const isExit = event === 'exit';
    const isExec = event === 'exec';
    const flags = members.flags as number;
    return {
      event,
      ret: isExit && code !== 0 ? -1 : 0,
      exit_code: isExit ? code : null,
      parent_pid: members.parent_pid as number,
      start_ticks: startTicks(members.start_ns as number),
      parent_start_ticks: startTicks(members.parent_start_ns as number),
      exe: isExec ? raw.text(0) : null,
      argv: isExec ? raw.list(1) : null,
      truncated: flags & (PROC_F_EXE_TRUNCATED | PROC_F_ARGS_TRUNCATED) ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    if (f.event === 'fork') return [`fork   parent ${f.parent_pid}`];
    if (f.event === 'exit') return [`exit   ${describeExit(f.exit_code as number)}`];
    const parts: ReturnType<ProbeSpec['describe']> = ['exec   ', { data: f.exe as ByteString }, ' ', { data: f.argv as ByteString[] }];
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  role: 'process-table',
  facets: procsnoopFacets,
};
