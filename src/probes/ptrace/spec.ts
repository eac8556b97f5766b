import { FilterError } from '../../event/filter-error.js';
import { toByteString, type ByteString } from '../../event/index.js';
import { formatRet } from '../../text/index.js';
import {
  PTR_F_IOV_FAULT,
  PTR_F_IOV_PARTIAL,
  PTR_F_TARGET_UNKNOWN,
  PTR_KIND_PTRACE,
  PTR_KIND_VM_READV,
  PTR_KIND_VM_WRITEV,
} from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { ptraceFacets } from './facets.js';
import { POKES, parseRequest, requestName } from './requests.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each enum ptrace_kind. */
const SYSCALLS: Record<number, string> = {
  [PTR_KIND_PTRACE]: 'ptrace',
  [PTR_KIND_VM_WRITEV]: 'process_vm_writev',
  [PTR_KIND_VM_READV]: 'process_vm_readv',
};

function parseTarget(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) === 0 || Number(v) > 0x7fff_ffff) throw new FilterError(`target: '${v}' is not a pid (e.g. target=4242)`);
  return Number(v);
}

/** A little-endian u64 as `0x...`, exact past 2^53. */
const hex = (b: Uint8Array) => '0x' + Buffer.from(b.buffer, b.byteOffset, 8).readBigUInt64LE().toString(16);

/** ptrace: ptrace requests and process_vm_writev/readv, with the target process. */
export const ptrace: ProbeSpec = {
  name: 'ptrace',
  aliases: ['ptracesnoop', 'inject'],
  table: 'ptrace',
  summary: 'one process reaching into another: ptrace requests and process_vm_writev/readv, with the target pid and comm',
  object: 'ptrace',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  hooks: [
    syscallHook('ptrace', false, 'ptrace'),
    syscallHook('process_vm_writev', true, 'ptrace'),
    syscallHook('process_vm_readv', true, 'ptrace'),
  ],
  record: {
    struct: 'ptrace_event',
    members: {
      ret: 'i64',
      request: 'i64',
      addr: 'bytes',
      data: 'bytes',
      bytes: 'u64',
      target: 'i32',
      target_tgid: 'u32',
      iovcnt: 'u32',
      ev_flags: 'u16',
      target_comm: 'bytes',
    },
  },
  fields: [
    { name: 'ret', type: 'int', doc: 'ptrace: 0 or -errno (PEEK* data goes to the caller\'s buffer); process_vm_*: bytes copied or -errno', width: 7 },
    { name: 'syscall', type: 'text', doc: 'ptrace, process_vm_writev or process_vm_readv' },
    { name: 'request', type: 'int', doc: 'ptrace request number (PTRACE_*); null for process_vm_*' },
    { name: 'request_name', type: 'text', doc: 'the request by name, e.g. PTRACE_ATTACH' },
    { name: 'target', type: 'int', doc: 'target pid as passed (PTRACE_TRACEME: the parent, which becomes the tracer)' },
    { name: 'target_comm', type: 'text', doc: 'the target\'s comm, read in the kernel at sys_exit; null when no such task' },
    { name: 'target_tgid', type: 'int', doc: 'the target\'s process id in the initial pid namespace; null when unknown' },
    { name: 'addr', type: 'text', doc: 'ptrace addr in hex (the address POKE*/PEEK* touch); process_vm_*: base of the first remote iovec' },
    { name: 'data', type: 'text', doc: 'ptrace data in hex, exact (the word POKE* writes, SETOPTIONS flags, a signal); null for process_vm_*' },
    { name: 'iovcnt', type: 'int', doc: 'process_vm_*: remote iovecs passed; null for ptrace' },
    { name: 'bytes', type: 'int', doc: 'process_vm_*: total length of the remote iovecs (the first 32); null for ptrace' },
    { name: 'truncated', type: 'int', doc: '1 when the remote iovecs were not all summed (more than 32, or unreadable)' },
  ],
  retField: 'ret',
  filterKeys: {
    request: {
      doc: 'ptrace request, with or without PTRACE_ (ATTACH, SEIZE, POKEDATA, ...), or its number',
      example: 'request=ATTACH',
      parse: parseRequest,
      match: (e, values) => values.includes(e.fields.request),
    },
    target: {
      doc: 'target pid (as passed, or in the initial pid namespace)',
      example: 'target=4242',
      parse: parseTarget,
      match: (e, values) => values.includes(e.fields.target) || values.includes(e.fields.target_tgid),
    },
  },
  decode({ members: m }, kind) {
    const flags = m.ev_flags as number;
    const isPtrace = kind === PTR_KIND_PTRACE;
    const known = (flags & PTR_F_TARGET_UNKNOWN) === 0;
    const comm = m.target_comm as Uint8Array;
    const end = comm.indexOf(0);
    return {
      ret: m.ret as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      request: isPtrace ? (m.request as number) : null,
      request_name: isPtrace ? requestName(m.request as number) : null,
      target: m.target as number,
      target_comm: known ? toByteString(comm.subarray(0, end < 0 ? comm.length : end)) : null,
      target_tgid: known ? (m.target_tgid as number) : null,
      addr: hex(m.addr as Uint8Array),
      data: isPtrace ? hex(m.data as Uint8Array) : null,
      iovcnt: isPtrace ? null : (m.iovcnt as number),
      bytes: isPtrace ? null : (m.bytes as number),
      truncated: flags & (PTR_F_IOV_PARTIAL | PTR_F_IOV_FAULT) ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const outcome = (f.ret as number) < 0 ? formatRet(f.ret as number) : f.syscall === 'ptrace' ? 'ok' : `${f.ret} bytes`;
    const target: DescribePart[] = [` ${f.target} (`, f.target_comm === null ? '?' : { data: f.target_comm as ByteString }, ')'];
    if (f.syscall === 'ptrace') {
      const addr = (f.addr !== '0x0' ? ` addr=${f.addr}` : '') + (POKES.has(f.request as number) ? ` data=${f.data}` : '');
      return [`${f.request_name}`, ...target, `${addr} ${outcome}`];
    }
    const at = f.iovcnt ? ` at ${f.addr}` : '';
    return [`${f.syscall}`, ...target, ` ${f.iovcnt} iovecs ${f.bytes}${f.truncated ? '+' : ''} bytes${at} ${outcome}`];
  },
  facets: ptraceFacets,
};
