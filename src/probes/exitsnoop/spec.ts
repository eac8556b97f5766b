import { FilterError } from '../../event/filter-error.js';
import { EXIT_F_GROUP_DEAD } from '../../event/generated/skeleton.js';
import { startTicks } from '../procsnoop/spec.js';
import { parseSignal } from '../signals.js';
import type { ProbeSpec } from '../types.js';
import { exitsnoopFacets } from './facets.js';
import { describeStatus, exitStatus, formatLifetime } from './status.js';

function parseByte(key: string, value: string, example: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 255) throw new FilterError(`${key}: '${value}' is not a number 0-255 (e.g. ${example})`);
  return Number(value);
}

function parseBool(key: string, value: string, example: string): number {
  const v = value.toLowerCase();
  if (['1', 'yes', 'true'].includes(v)) return 1;
  if (['0', 'no', 'false'].includes(v)) return 0;
  throw new FilterError(`${key}: '${value}' is not 0 or 1 (e.g. ${example})`);
}

/** exitsnoop: every process and thread exit, with its code or signal and its lifetime. */
export const exitsnoop: ProbeSpec = {
  name: 'exitsnoop',
  aliases: ['exit'],
  table: 'exit',
  summary: 'process and thread exits: exit code or killing signal, core dump, lifetime',
  object: 'exitsnoop',
  profiles: ['forensic'],
  hooks: [
    {
      name: 'exit',
      choices: [
        { programs: ['exit_btf'], attach: 'tp_btf/sched_process_exit' },
        { programs: ['exit_tp'], attach: 'tracepoint/sched/sched_process_exit' },
      ],
    },
  ],
  record: {
    struct: 'exit_event',
    members: { lifetime_ns: 'u64', start_ns: 'u64', exit_code: 'i32', flags: 'u16' },
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0 for exit 0, -1 for a non-zero code or a killing signal (what `failed` selects)' },
    { name: 'code', type: 'int', doc: 'exit code (0-255); 0 when killed by a signal', width: 4 },
    { name: 'sig', type: 'int', doc: 'the signal that killed it (9 = SIGKILL), 0 when it exited', width: 4 },
    { name: 'core', type: 'int', doc: '1 when a core dump was written' },
    { name: 'thread', type: 'int', doc: '1 when one thread exited and the process goes on, 0 for the last thread (the process is gone)', width: 6 },
    { name: 'exit_code', type: 'int', doc: 'the raw wait status: (code << 8) | 0x80 for a core dump | signal' },
    { name: 'lifetime_us', type: 'int', doc: 'microseconds since the thread started, or since the process started for its last thread' },
    { name: 'start_ticks', type: 'int', doc: 'process start in clock ticks since boot (as /proc/PID/stat field 22)' },
  ],
  retField: 'ret',
  filterKeys: {
    sig: {
      doc: 'the killing signal, by name or number (sig=0: exited without a signal)',
      example: 'sig=KILL',
      parse: (v) => parseSignal('sig', v),
      match: (e, values) => values.includes(e.fields.sig),
    },
    code: {
      doc: 'exit code 0-255',
      example: 'code=1',
      parse: (v) => parseByte('code', v, 'code=1'),
      match: (e, values) => values.includes(e.fields.code),
    },
    thread: {
      doc: '1: a thread exited, the process goes on; 0: the process exited',
      example: 'thread=0',
      parse: (v) => parseBool('thread', v, 'thread=0'),
      match: (e, values) => values.includes(e.fields.thread),
    },
  },
  decode({ members }) {
    const status = members.exit_code as number;
    const { code, sig, core } = exitStatus(status);
    return {
      ret: status === 0 ? 0 : -1,
      code,
      sig,
      core,
      thread: (members.flags as number) & EXIT_F_GROUP_DEAD ? 0 : 1,
      exit_code: status,
      lifetime_us: Math.floor((members.lifetime_ns as number) / 1000),
      start_ticks: startTicks(members.start_ns as number),
    };
  },
  describe(e) {
    const f = e.fields;
    const who = f.thread ? `thread ${e.tid}` : 'process';
    return [`${who} ${describeStatus(f.code as number, f.sig as number, f.core as number)} after ${formatLifetime(f.lifetime_us as number)}`];
  },
  facets: exitsnoopFacets,
};
