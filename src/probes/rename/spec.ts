import { formatRet } from '../../text/index.js';
import { anyPathMatches, parsePathPattern, type ByteString, type PathPattern } from '../../event/index.js';
import {
  RENAME_FLAG_EXCHANGE,
  RENAME_KIND_RENAME,
  RENAME_KIND_RENAMEAT,
  RENAME_KIND_RENAMEAT2,
  UPATH_BASE_TRUNCATED,
  UPATH_TRUNCATED,
} from '../../event/generated/skeleton.js';
import { joinUserPath } from '../user-path.js';
import type { ProbeSpec } from '../types.js';
import { renameFacets } from './facets.js';
import { formatRenameFlags } from './flags.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each enum rename_kind. */
const SYSCALLS: Record<number, string> = {
  [RENAME_KIND_RENAME]: 'rename',
  [RENAME_KIND_RENAMEAT]: 'renameat',
  [RENAME_KIND_RENAMEAT2]: 'renameat2',
};

const CUT = UPATH_TRUNCATED | UPATH_BASE_TRUNCATED;

/** rename: every rename, renameat and renameat2, with both absolute paths, the flags and the result. */
export const rename: ProbeSpec = {
  name: 'rename',
  aliases: ['mv', 'renamesnoop'],
  table: 'rename',
  summary: 'renames and moves (rename, renameat, renameat2): old and new absolute paths, flags, result',
  object: 'rename',
  profiles: ['forensic', 'files'],
  // exit before enter: once an enter stashes a call, its exit is there to emit and delete it
  hooks: [
    syscallHook('renameat2', false, 'renameat2'),
    syscallHook('renameat', true, 'renameat2'),
    syscallHook('rename', true, 'renameat2'),
  ],
  record: {
    struct: 'rename_event',
    members: {
      ret: 'i32',
      olddfd: 'i32',
      newdfd: 'i32',
      flags: 'u32',
      old_flags: 'u16',
      old_raw_len: 'u16',
      old_base_len: 'u16',
      new_flags: 'u16',
      new_raw_len: 'u16',
      new_base_len: 'u16',
    },
    segments: ['old_raw_len', 'old_base_len', 'new_raw_len', 'new_base_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno', width: 7 },
    { name: 'old_path', type: 'text', doc: 'the path renamed: the raw old path, made absolute from the cwd or olddfd when relative' },
    { name: 'new_path', type: 'text', doc: 'where it went: the raw new path, made absolute from the cwd or newdfd when relative' },
    { name: 'old_raw_path', type: 'text', doc: "the old path as the caller's memory held it when the call returned" },
    { name: 'new_raw_path', type: 'text', doc: "the new path as the caller's memory held it when the call returned" },
    { name: 'syscall', type: 'text', doc: 'rename, renameat or renameat2' },
    { name: 'flags', type: 'int', doc: 'renameat2 flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2), RENAME_WHITEOUT (4); 0 otherwise' },
    { name: 'olddfd', type: 'int', doc: 'directory fd a relative old path was resolved against (-100 = cwd)' },
    { name: 'newdfd', type: 'int', doc: 'directory fd a relative new path was resolved against (-100 = cwd)' },
    { name: 'truncated', type: 'int', doc: '1 when a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: {
      doc: 'old or new path, absolute or raw: exact, prefix ending in /, or glob with *',
      example: 'path=/var/log/',
      parse: parsePathPattern,
      match: (e, values) =>
        anyPathMatches(
          [e.fields.old_path as ByteString, e.fields.new_path as ByteString, e.fields.old_raw_path as ByteString, e.fields.new_raw_path as ByteString],
          values as PathPattern[],
        ),
    },
  },
  decode(rec, kind) {
    const { members } = rec;
    const oldRaw = rec.text(0);
    const newRaw = rec.text(2);
    return {
      ret: members.ret as number,
      old_path: joinUserPath(oldRaw, rec.text(1)),
      new_path: joinUserPath(newRaw, rec.text(3)),
      old_raw_path: oldRaw,
      new_raw_path: newRaw,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      flags: members.flags as number,
      olddfd: members.olddfd as number,
      newdfd: members.newdfd as number,
      truncated: ((members.old_flags as number) | (members.new_flags as number)) & CUT ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const flags = f.flags as number;
    const arrow = flags & RENAME_FLAG_EXCHANGE ? ' <-> ' : ' -> ';
    const parts: ReturnType<ProbeSpec['describe']> = [
      formatRet(f.ret as number).padStart(6) + ' ',
      { data: f.old_path as ByteString },
      arrow,
      { data: f.new_path as ByteString },
    ];
    if (flags) parts.push(' ' + formatRenameFlags(flags));
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: renameFacets,
};
