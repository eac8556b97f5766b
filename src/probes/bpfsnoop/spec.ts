import { toByteString, type ByteString } from '../../event/index.js';
import { formatRet } from '../../text/index.js';
import { BPF_EV_ATTR_FAULT } from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { bpfsnoopFacets } from './facets.js';
import { BPF_CMD, attachTypeName, cmdName, mapTypeName, parseCmd, progTypeName } from './names.js';
import { syscallHook } from '../syscall-hook.js';

const ATTACHES: number[] = [BPF_CMD.BPF_PROG_ATTACH, BPF_CMD.BPF_PROG_DETACH, BPF_CMD.BPF_LINK_CREATE];

/** bpfsnoop: bpf() calls of other processes: loads, maps, attaches. */
export const bpfsnoop: ProbeSpec = {
  name: 'bpfsnoop',
  aliases: ['bpf'],
  table: 'bpf',
  summary: 'bpf() calls of other processes: program loads (type, name, size), map creation, attaches',
  object: 'bpfsnoop',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  hooks: [syscallHook('bpf')],
  record: {
    struct: 'bpf_event',
    members: {
      ret: 'i64',
      cmd: 'u32',
      attr_size: 'u32',
      type: 'u32',
      insn_cnt: 'u32',
      key_size: 'u32',
      value_size: 'u32',
      max_entries: 'u32',
      attach_type: 'u32',
      target_fd: 'u32',
      prog_fd: 'u32',
      ev_flags: 'u16',
      name: 'bytes',
    },
  },
  fields: [
    { name: 'ret', type: 'int', doc: 'the new fd (PROG_LOAD, MAP_CREATE, LINK_CREATE, ...), 0, or -errno', width: 7 },
    { name: 'cmd', type: 'int', doc: 'the command number (enum bpf_cmd)' },
    { name: 'cmd_name', type: 'text', doc: 'the command by the kernel\'s name, e.g. BPF_PROG_LOAD' },
    { name: 'prog_type', type: 'text', doc: 'PROG_LOAD: program type, e.g. BPF_PROG_TYPE_KPROBE' },
    { name: 'map_type', type: 'text', doc: 'MAP_CREATE: map type, e.g. BPF_MAP_TYPE_HASH' },
    { name: 'name', type: 'text', doc: 'PROG_LOAD: prog_name; MAP_CREATE: map_name (16 bytes at most)' },
    { name: 'insn_cnt', type: 'int', doc: 'PROG_LOAD: instructions' },
    { name: 'key_size', type: 'int', doc: 'MAP_CREATE: key size in bytes' },
    { name: 'value_size', type: 'int', doc: 'MAP_CREATE: value size in bytes' },
    { name: 'max_entries', type: 'int', doc: 'MAP_CREATE: entries' },
    { name: 'attach_type', type: 'text', doc: 'PROG_ATTACH, PROG_DETACH, LINK_CREATE: attach type, e.g. BPF_CGROUP_INET4_CONNECT' },
    { name: 'target_fd', type: 'int', doc: 'PROG_ATTACH, PROG_DETACH, LINK_CREATE: the target\'s fd (a cgroup, a socket, ...)' },
    { name: 'prog_fd', type: 'int', doc: 'PROG_ATTACH, PROG_DETACH, LINK_CREATE: the program\'s fd' },
    { name: 'attr_size', type: 'int', doc: 'size passed with union bpf_attr' },
  ],
  retField: 'ret',
  filterKeys: {
    cmd: {
      doc: 'bpf command, with or without BPF_ (PROG_LOAD, MAP_CREATE, LINK_CREATE, PROG_ATTACH, ...), or its number',
      example: 'cmd=PROG_LOAD',
      parse: parseCmd,
      match: (e, values) => values.includes(e.fields.cmd),
    },
  },
  decode({ members: m }) {
    const cmd = m.cmd as number;
    const known = ((m.ev_flags as number) & BPF_EV_ATTR_FAULT) === 0;
    const load = known && cmd === BPF_CMD.BPF_PROG_LOAD;
    const map = known && cmd === BPF_CMD.BPF_MAP_CREATE;
    const attach = known && ATTACHES.includes(cmd);
    const raw = m.name as Uint8Array;
    const end = raw.indexOf(0);
    return {
      ret: m.ret as number,
      cmd,
      cmd_name: cmdName(cmd),
      prog_type: load ? progTypeName(m.type as number) : null,
      map_type: map ? mapTypeName(m.type as number) : null,
      name: load || map ? toByteString(raw.subarray(0, end < 0 ? raw.length : end)) : null,
      insn_cnt: load ? (m.insn_cnt as number) : null,
      key_size: map ? (m.key_size as number) : null,
      value_size: map ? (m.value_size as number) : null,
      max_entries: map ? (m.max_entries as number) : null,
      attach_type: attach ? attachTypeName(m.attach_type as number) : null,
      target_fd: attach ? (m.target_fd as number) : null,
      prog_fd: attach ? (m.prog_fd as number) : null,
      attr_size: m.attr_size as number,
    };
  },
  describe(e) {
    const f = e.fields;
    const outcome = (f.ret as number) < 0 ? formatRet(f.ret as number) : `= ${f.ret}`;
    const parts: DescribePart[] = [`${f.cmd_name}`];
    const name: DescribePart[] = f.name === null ? [] : [' "', { data: f.name as ByteString }, '"'];
    if (f.prog_type !== null) parts.push(` ${f.prog_type}`, ...name, ` ${f.insn_cnt} insns`);
    else if (f.map_type !== null) parts.push(` ${f.map_type}`, ...name, ` ${f.key_size}/${f.value_size}x${f.max_entries}`);
    else if (f.attach_type !== null) parts.push(` ${f.attach_type} prog_fd=${f.prog_fd} target_fd=${f.target_fd}`);
    parts.push(` ${outcome}`);
    return parts;
  },
  facets: bpfsnoopFacets,
};
