import { formatRet } from './errno.js';
import { formatOpenFlags, parseFlagTest, type FlagTest } from './open-flags.js';
import { anyPathMatches, parsePathPattern, type PathPattern } from './path-match.js';
import type { ByteString, ProbeSpec } from './types.js';

// enum open_kind and open_event_flags in bpf/opensnoop.h
const SYSCALLS = ['openat', 'openat2', 'open', 'creat'];
const PATH_TRUNCATED = 1;
const ABS_TRUNCATED = 2;

/** opensnoop: every open/openat/openat2/creat with path, flags and result. */
export const opensnoop: ProbeSpec = {
  name: 'opensnoop',
  aliases: ['open'],
  table: 'open',
  summary: 'file opens (open, openat, openat2, creat): path, flags, mode, fd or error',
  object: 'opensnoop',
  hooks: [
    { name: 'openat', choices: [{ programs: ['enter_openat', 'exit_openat'], attach: 'tracepoint/syscalls/sys_{enter,exit}_openat' }] },
    {
      name: 'openat2',
      optional: true,
      choices: [{ programs: ['enter_openat2', 'exit_openat2'], attach: 'tracepoint/syscalls/sys_{enter,exit}_openat2' }],
    },
    {
      name: 'open',
      optional: true,
      choices: [{ programs: ['enter_open', 'exit_open'], attach: 'tracepoint/syscalls/sys_{enter,exit}_open' }],
    },
    {
      name: 'creat',
      optional: true,
      choices: [{ programs: ['enter_creat', 'exit_creat'], attach: 'tracepoint/syscalls/sys_{enter,exit}_creat' }],
    },
  ],
  record: {
    struct: 'open_event',
    members: { ret: 'i32', dfd: 'i32', flags: 'u64', mode: 'u32', ev_flags: 'u16', path_len: 'u16', abs_len: 'u16' },
    segments: ['path_len', 'abs_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: 'the new fd, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'absolute path where the kernel could tell, else as passed' },
    { name: 'raw_path', type: 'text', doc: 'the path exactly as the process passed it' },
    { name: 'flags', type: 'int', doc: 'open flags (O_*)' },
    { name: 'mode', type: 'int', doc: 'mode for O_CREAT/O_TMPFILE' },
    { name: 'dfd', type: 'int', doc: 'directory fd a relative path was resolved against (-100 = cwd)' },
    { name: 'syscall', type: 'text', doc: 'openat, openat2, open or creat' },
    { name: 'truncated', type: 'int', doc: '1 when a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: {
      doc: 'absolute or raw path: exact, prefix ending in /, or glob with *',
      example: 'path=/etc/',
      parse: parsePathPattern,
      match: (e, values) => anyPathMatches([e.fields.path as ByteString, e.fields.raw_path as ByteString], values as PathPattern[]),
    },
    flags: {
      doc: 'an access mode (O_RDONLY, O_WRONLY, O_RDWR) or a flag that must be set (O_CREAT, O_TRUNC, ...)',
      example: 'flags=O_CREAT',
      parse: parseFlagTest,
      match: (e, values) => (values as FlagTest[]).some((t) => t.test(e.fields.flags as number)),
    },
  },
  decode(rec, kind) {
    const { members } = rec;
    const raw = rec.text(0);
    const abs = rec.size(1) ? rec.text(1) : raw;
    const evFlags = members.ev_flags as number;
    return {
      ret: members.ret as number,
      path: abs,
      raw_path: raw,
      flags: members.flags as number,
      mode: members.mode as number,
      dfd: members.dfd as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      truncated: evFlags & (PATH_TRUNCATED | ABS_TRUNCATED) ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const parts = [formatRet(f.ret as number).padStart(6) + ' ', { data: f.path as ByteString }, ' ' + formatOpenFlags(f.flags as number)];
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
};
