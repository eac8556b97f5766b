import { FilterError } from '../../event/filter-error.js';
import { toByteString, type ByteString } from '../../event/index.js';
import { ENUMS, KILL_KIND_SIGNAL, KILL_KIND_TKILL, KILL_RES_NONE, KILL_TARGET_UID_UNKNOWN } from '../../event/generated/skeleton.js';
import { formatRet } from '../../text/index.js';
import { parseSignal, signalName } from '../signals.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { killsnoopFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** Lower-case names of an exported enum's constants by value, without their common prefix: KILL_RES_IGNORED -> ignored. */
function enumNames(values: Record<string, number>, prefix: string): Map<number, string> {
  return new Map<number, string>(Object.entries(values).map(([k, v]) => [v, k.slice(prefix.length).toLowerCase()]));
}

/** The syscall of each enum kill_kind but the signal one. */
const SYSCALLS = new Map<number, string>(Object.entries(ENUMS.kill_kind).map(([k, v]) => [v, k === 'KILL_KIND_PIDFD' ? 'pidfd_send_signal' : k.slice('KILL_KIND_'.length).toLowerCase()]));
/** enum kill_result as words: delivered, ignored, already_pending, overflow_fail, lose_info. */
const RESULTS = enumNames(ENUMS.kill_result, 'KILL_RES_');
/** enum kill_source as words: syscall, user, queue, kernel. */
const SOURCES = enumNames(ENUMS.kill_source, 'KILL_SRC_');

/** The target comm (a fixed char array) as a string from the traced system. */
function commOf(bytes: Uint8Array): ByteString {
  const end = bytes.indexOf(0);
  return toByteString(bytes.subarray(0, end < 0 ? bytes.length : end));
}

function parseTarget(value: string): number {
  if (!/^-?\d+$/.test(value) || Math.abs(Number(value)) > 0x7fff_ffff)
    throw new FilterError(`target: '${value}' is not a pid (e.g. target=4242; kill's own arguments also match: target=-1)`);
  return Number(value);
}

function parseSource(value: string): string {
  const v = value.toLowerCase();
  if (![...SOURCES.values()].includes(v)) throw new FilterError(`source: '${value}' is not ${[...SOURCES.values()].join(', ')} (e.g. source=syscall)`);
  return v;
}

/** killsnoop: signals generated (sender, target, signal, result) and kill-family calls that generated none. */
export const killsnoop: ProbeSpec = {
  name: 'killsnoop',
  aliases: ['kill', 'signal'],
  table: 'kill',
  summary: 'signals sent: sender, target pid and comm, signal, si_code, result; failed kill/tkill/tgkill/pidfd_send_signal',
  object: 'killsnoop',
  profiles: ['forensic'],
  hooks: [
    {
      name: 'signal_generate',
      choices: [
        { programs: ['signal_btf'], attach: 'tp_btf/signal_generate' },
        { programs: ['signal_tp'], attach: 'tracepoint/signal/signal_generate' },
      ],
    },
    // exit before enter: once an enter stashes a call, its exit must be there to delete it
    syscallHook('kill'),
    syscallHook('tkill', true),
    syscallHook('tgkill', true),
    syscallHook('pidfd_send_signal', true),
  ],
  record: {
    struct: 'kill_event',
    members: {
      ret: 'i32',
      sig: 'i32',
      code: 'i32',
      target: 'i32',
      target_tid: 'u32',
      target_uid: 'u32',
      result: 'u8',
      group: 'u8',
      source: 'u8',
      target_comm: 'bytes',
    },
  },
  fields: [
    { name: 'sig', type: 'int', doc: 'signal number (9 = SIGKILL; 0 = the existence probe of kill(pid, 0))', width: 4 },
    {
      name: 'target',
      type: 'int',
      doc: 'signal: the target process (tgid), null when the hook cannot tell; syscall: the pid argument as passed (0: own group, -1: all, -N: group N; pidfd_send_signal: the pidfd)',
      width: 8,
    },
    { name: 'target_tid', type: 'int', doc: 'the target thread (signal; tkill/tgkill: the tid argument), else null' },
    { name: 'target_comm', type: 'text', doc: 'signal: the target task\'s name, else null' },
    { name: 'target_uid', type: 'int', doc: 'signal: the target\'s real uid (null when the hook cannot tell)' },
    { name: 'source', type: 'text', doc: 'syscall: sent by the header task\'s kill/tkill/tgkill/pidfd_send_signal; user: SI_USER/SI_TKILL from elsewhere; queue: sigqueue, timer, AIO, SIGIO; kernel: raised by the kernel (fault, SIGCHLD, ...), the header is only the task that ran' },
    { name: 'code', type: 'int', doc: 'si_code (0 SI_USER, -6 SI_TKILL, 128 SI_KERNEL, > 0 the kernel\'s reason); null for syscall records' },
    { name: 'group', type: 'int', doc: '1 when sent to the whole process (or wider), 0 to one thread; null for syscall records' },
    { name: 'result', type: 'text', doc: 'delivered, ignored, already_pending, overflow_fail or lose_info; null for syscall records' },
    { name: 'syscall', type: 'text', doc: 'kill, tkill, tgkill or pidfd_send_signal for a call that generated no signal (it failed, or sig was 0); null for a signal' },
    { name: 'ret', type: 'int', doc: 'syscall records: the result (-errno, or 0 for a sig 0 probe that found the target); 0 for a signal', width: 7 },
  ],
  retField: 'ret',
  filterKeys: {
    sig: {
      doc: 'signal by name or number',
      example: 'sig=KILL',
      parse: (v) => parseSignal('sig', v),
      match: (e, values) => values.includes(e.fields.sig),
    },
    target: {
      doc: 'target pid or tid (or kill\'s pid argument as passed)',
      example: 'target=4242',
      parse: parseTarget,
      match: (e, values) => values.includes(e.fields.target) || values.includes(e.fields.target_tid),
      // the tracepoint fallback knows only the target thread: a signal with neither must not be hidden
      unknown: (e) => e.fields.target === null && e.fields.target_tid === null,
    },
    source: {
      doc: 'who raised it: syscall, user, queue or kernel',
      example: 'source=syscall',
      parse: parseSource,
      match: (e, values) => values.includes(e.fields.source),
    },
  },
  decode({ members }, kind) {
    const signal = kind === KILL_KIND_SIGNAL;
    const uid = members.target_uid as number;
    const tid = members.target_tid as number;
    const target = members.target as number;
    return {
      sig: members.sig as number,
      target: (signal && target === 0) || kind === KILL_KIND_TKILL ? null : target,
      target_tid: tid === 0 ? null : tid,
      target_comm: signal ? commOf(members.target_comm as Uint8Array) : null,
      target_uid: uid === KILL_TARGET_UID_UNKNOWN ? null : uid,
      source: SOURCES.get(members.source as number) ?? `source${members.source}`,
      code: signal ? (members.code as number) : null,
      group: signal ? (members.group as number) : null,
      result: members.result === KILL_RES_NONE ? null : (RESULTS.get(members.result as number) ?? `result${members.result}`),
      syscall: signal ? null : (SYSCALLS.get(kind) ?? `kind${kind}`),
      ret: members.ret as number,
    };
  },
  describe(e) {
    const f = e.fields;
    const sig = signalName(f.sig as number);
    if (f.syscall !== null) {
      const args = f.syscall === 'tgkill' ? `${f.target}, ${f.target_tid}` : f.syscall === 'tkill' ? `${f.target_tid}` : `${f.target}`;
      const outcome = (f.ret as number) < 0 ? formatRet(f.ret as number) : 'ok (target exists)';
      return [`${f.syscall}(${args}, ${sig}) ${outcome}`];
    }
    const who = f.target === null ? `tid ${f.target_tid}` : f.target_tid !== null && f.target_tid !== f.target ? `${f.target}/${f.target_tid}` : `${f.target}`;
    const parts: DescribePart[] = [`${sig} -> ${who} `, { data: f.target_comm as ByteString }, ` ${f.result}`];
    if (f.source !== 'syscall') parts.push(` (${f.source}, si_code ${f.code})`);
    return parts;
  },
  facets: killsnoopFacets,
};
