import { formatRet } from '../../text/index.js';
import { anyPathMatches, type ByteString, type PathPattern } from '../../event/index.js';
import { FilterError } from '../../event/filter-error.js';
import { MEMFD_F_NAME_TRUNCATED } from '../../event/generated/skeleton.js';
import type { ProbeSpec } from '../types.js';
import { formatMemfdFlags, parseMemfdFlag } from './memfd-flags.js';
import { memfdFacets } from './facets.js';
import { syscallHook } from '../syscall-hook.js';

/** A `name=` value: exact, or a glob with * and ?. */
export function parseNamePattern(value: string): PathPattern {
  if (value === '') throw new FilterError("name: empty value (e.g. name=payload, or name='*elf*')");
  if (!value.includes('*') && !value.includes('?')) return { text: value, test: (n) => n === value };
  const re = new RegExp('^' + value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's');
  return { text: value, test: (n) => re.test(n) };
}

/** memfd: memfd_create, the anonymous in-memory file fileless payloads are written into. */
export const memfd: ProbeSpec = {
  name: 'memfd',
  aliases: ['memfdsnoop', 'fileless'],
  table: 'memfd',
  summary: 'memfd_create: the in-memory files fileless payloads run from: name, flags, fd or error',
  object: 'memfd',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  hooks: [
    syscallHook('memfd_create'),
  ],
  record: {
    struct: 'memfd_event',
    members: { ret: 'i32', flags: 'u32', ev_flags: 'u16', name_len: 'u16' },
    segments: ['name_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: 'the new fd, or -errno', width: 7 },
    { name: 'name', type: 'text', doc: 'the name as passed (the kernel shows it as memfd:<name> in /proc/PID/fd and maps)' },
    { name: 'flags', type: 'int', doc: 'memfd_create flags: MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC' },
    { name: 'truncated', type: 'int', doc: '1 when the name was longer than 255 bytes and cut (the call then fails with EINVAL)' },
  ],
  retField: 'ret',
  filterKeys: {
    name: {
      doc: 'the name passed to memfd_create: exact, or glob with *',
      example: 'name=payload',
      parse: parseNamePattern,
      match: (e, values) => anyPathMatches([e.fields.name as ByteString], values as PathPattern[]),
    },
    flags: {
      doc: 'a flag that must be set (MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NOEXEC_SEAL, MFD_EXEC)',
      example: 'flags=MFD_EXEC',
      parse: parseMemfdFlag,
      match: (e, values) => (values as number[]).some((bit) => ((e.fields.flags as number) & bit) !== 0),
    },
  },
  decode(raw) {
    const { members } = raw;
    return {
      ret: members.ret as number,
      name: raw.text(0),
      flags: members.flags as number,
      truncated: (members.ev_flags as number) & MEMFD_F_NAME_TRUNCATED ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const parts: ReturnType<ProbeSpec['describe']> = [formatRet(f.ret as number).padStart(6) + ' memfd:', { data: f.name as ByteString }, ' ' + formatMemfdFlags(f.flags as number)];
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: memfdFacets,
};
