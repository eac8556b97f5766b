import { formatRet } from '../../text/index.js';
import type { ByteString } from '../../event/index.js';
import {
  UNLINK_KIND_RMDIR,
  UNLINK_KIND_UNLINK,
  UNLINK_KIND_UNLINKAT,
} from '../../event/generated/skeleton.js';
import { decodePathArg, pathFilterKey } from '../user-path.js';
import type { ProbeSpec } from '../types.js';
import { unlinkFacets } from './facets.js';
import { formatUnlinkFlags } from './flags.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each enum unlink_kind. */
const SYSCALLS: Record<number, string> = {
  [UNLINK_KIND_UNLINK]: 'unlink',
  [UNLINK_KIND_UNLINKAT]: 'unlinkat',
  [UNLINK_KIND_RMDIR]: 'rmdir',
};

/** unlink: every unlink, unlinkat and rmdir, with the absolute path and the result. */
export const unlink: ProbeSpec = {
  name: 'unlink',
  aliases: ['rm', 'unlinksnoop'],
  table: 'unlink',
  summary: 'file and directory deletions (unlink, unlinkat, rmdir): absolute path, flags, result',
  object: 'unlink',
  profiles: ['forensic', 'files'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  hooks: [
    syscallHook('unlinkat', false, 'unlinkat'),
    syscallHook('unlink', true, 'unlinkat'),
    syscallHook('rmdir', true, 'unlinkat'),
  ],
  record: {
    struct: 'unlink_event',
    members: { ret: 'i32', dfd: 'i32', flags: 'u32', path_flags: 'u16', raw_len: 'u16', base_len: 'u16' },
    segments: ['raw_len', 'base_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'the path deleted: the raw path, made absolute from the cwd or dfd when relative' },
    { name: 'raw_path', type: 'text', doc: "the path as the caller's memory held it when the call returned" },
    { name: 'syscall', type: 'text', doc: 'unlink, unlinkat or rmdir' },
    { name: 'flags', type: 'int', doc: 'unlinkat flags: AT_REMOVEDIR (0x200) removes a directory; 0 for unlink and rmdir' },
    { name: 'dfd', type: 'int', doc: 'unlinkat: directory fd a relative path was resolved against (-100 = cwd)' },
    { name: 'truncated', type: 'int', doc: '1 when a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: { ...pathFilterKey, example: 'path=/var/log/' },
  },
  decode(rec, kind) {
    const { members } = rec;
    const { path, raw_path, truncated } = decodePathArg(rec, 0, members.path_flags as number);
    return {
      ret: members.ret as number,
      path,
      raw_path,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      flags: members.flags as number,
      dfd: members.dfd as number,
      truncated,
    };
  },
  describe(e) {
    const f = e.fields;
    const flags = f.flags as number;
    const parts: ReturnType<ProbeSpec['describe']> = [formatRet(f.ret as number).padStart(6) + ' ', { data: f.path as ByteString }, ` ${f.syscall as string}`];
    if (flags) parts.push(' ' + formatUnlinkFlags(flags));
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: unlinkFacets,
};
