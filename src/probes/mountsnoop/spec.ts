import { anyPathMatches, parsePathPattern, type ByteString, type PathPattern, type RawRecord } from '../../event/index.js';
import { FilterError } from '../../event/filter-error.js';
import {
  MOUNT_F_DATA_TRUNCATED,
  MOUNT_F_SOURCE_TRUNCATED,
  MOUNT_F_TYPE_TRUNCATED,
  MOUNT_KIND_FSMOUNT,
  MOUNT_KIND_FSOPEN,
  MOUNT_KIND_MOUNT,
  MOUNT_KIND_MOVE_MOUNT,
  MOUNT_KIND_PIVOT_ROOT,
  MOUNT_KIND_UMOUNT,
  UPATH_BASE_TRUNCATED,
  UPATH_TRUNCATED,
} from '../../event/generated/skeleton.js';
import { formatRet } from '../../text/index.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { joinUserPath } from '../user-path.js';
import { mountsnoopFacets } from './facets.js';
import { formatAttrFlags, formatMsFlags, formatOpFlags } from './flags.js';
import { syscallHook } from '../syscall-hook.js';

/** The syscall of each enum mount_kind. */
const SYSCALLS: Record<number, string> = {
  [MOUNT_KIND_MOUNT]: 'mount',
  [MOUNT_KIND_UMOUNT]: 'umount2',
  [MOUNT_KIND_MOVE_MOUNT]: 'move_mount',
  [MOUNT_KIND_FSOPEN]: 'fsopen',
  [MOUNT_KIND_FSMOUNT]: 'fsmount',
  [MOUNT_KIND_PIVOT_ROOT]: 'pivot_root',
};

/** Segments of struct mount_event's data[], in order. */
const SOURCE = 0;
const SOURCE_BASE = 1;
const TARGET = 2;
const TARGET_BASE = 3;
const TYPE = 4;
const DATA = 5;

/** A path argument (raw + base, see user_path.h) made absolute; null when the call had none (no raw segment at all). */
function pathArg(rec: RawRecord, rawLen: string, raw: number, base: number): ByteString | null {
  if (!rec.members[rawLen]) return null;
  return joinUserPath(rec.text(raw), rec.text(base));
}

function parseType(value: string): string {
  if (!/^[\w.+-]+$/.test(value)) throw new FilterError(`type: '${value}' is not a filesystem type (e.g. type=tmpfs, type=overlay)`);
  return value;
}

/** mountsnoop: mounts, unmounts, mount moves and root pivots, with source, target, type, flags and result. */
export const mountsnoop: ProbeSpec = {
  name: 'mountsnoop',
  aliases: ['mount'],
  table: 'mount',
  summary: 'mount, umount2, move_mount, fsopen, fsmount, pivot_root: source, target, filesystem type, flags, result',
  object: 'mountsnoop',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes a call, its exit must already be attached
  hooks: [
    syscallHook('mount'),
    { name: 'umount2', optional: true, choices: [{ programs: ['exit_umount', 'enter_umount'], attach: 'tracepoint/syscalls/sys_{enter,exit}_umount' }] },
    syscallHook('move_mount', true),
    syscallHook('fsopen', true),
    syscallHook('fsmount', true),
    syscallHook('pivot_root', true),
  ],
  record: {
    struct: 'mount_event',
    members: {
      ret: 'i32',
      from_dfd: 'i32',
      to_dfd: 'i32',
      source_flags: 'u16',
      target_flags: 'u16',
      flags: 'u64',
      attr_flags: 'u64',
      ev_flags: 'u16',
      source_len: 'u16',
      source_base_len: 'u16',
      target_len: 'u16',
      target_base_len: 'u16',
      type_len: 'u16',
      data_len: 'u16',
    },
    segments: ['source_len', 'source_base_len', 'target_len', 'target_base_len', 'type_len', 'data_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, the new fd (fsopen, fsmount), or -errno', width: 7 },
    { name: 'syscall', type: 'text', doc: 'mount, umount2, move_mount, fsopen, fsmount or pivot_root', width: 10 },
    {
      name: 'source',
      type: 'text',
      doc: 'mount: the source string as passed (a device, `tmpfs`, `server:/export`), made absolute when a bind or move mount gives a relative path; move_mount: the from path (for an fd with MOVE_MOUNT_F_EMPTY_PATH, the fd\'s path when the call returns: once attached, the target); pivot_root: put_old; else null',
    },
    { name: 'target', type: 'text', doc: 'absolute path mounted on, unmounted, moved to, or the new root (pivot_root); null for fsopen, fsmount' },
    { name: 'type', type: 'text', doc: 'filesystem type (mount, fsopen), else null' },
    { name: 'options', type: 'text', doc: 'mount: the data argument read as a string (the options, e.g. `size=1m,mode=755`), else null' },
    { name: 'flags', type: 'int', doc: 'mount: the MS_* flags (detail pane: by name); null for the other calls' },
    { name: 'op_flags', type: 'int', doc: 'the flags argument of umount2 (MNT_*), move_mount (MOVE_MOUNT_*), fsopen or fsmount; null for mount, pivot_root' },
    { name: 'attr_flags', type: 'int', doc: 'fsmount: MOUNT_ATTR_* (detail pane: by name), else null' },
    { name: 'from_dfd', type: 'int', doc: 'move_mount: from_dfd; fsmount: the filesystem context fd (from fsopen); else null (-100 = cwd)' },
    { name: 'to_dfd', type: 'int', doc: 'move_mount: to_dfd (-100 = cwd), else null' },
    { name: 'truncated', type: 'int', doc: '1 when a path or string was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    target: {
      doc: 'absolute target path: exact, prefix ending in /, or glob with *',
      example: 'target=/tmp/',
      parse: parsePathPattern,
      match: (e, values) => anyPathMatches([e.fields.target as ByteString | null], values as PathPattern[]),
    },
    type: {
      doc: 'filesystem type (mount, fsopen)',
      example: 'type=tmpfs',
      parse: parseType,
      match: (e, values) => values.includes(e.fields.type),
    },
  },
  decode(rec, kind) {
    const m = rec.members;
    const syscall = SYSCALLS[kind] ?? `kind${kind}`;
    const isMount = kind === MOUNT_KIND_MOUNT;
    const pathCut = UPATH_TRUNCATED | UPATH_BASE_TRUNCATED;
    const cut =
      (m.ev_flags as number) & (MOUNT_F_SOURCE_TRUNCATED | MOUNT_F_TYPE_TRUNCATED | MOUNT_F_DATA_TRUNCATED) ||
      (m.source_flags as number) & pathCut ||
      (m.target_flags as number) & pathCut;
    return {
      ret: m.ret as number,
      syscall,
      source: pathArg(rec, 'source_len', SOURCE, SOURCE_BASE),
      target: pathArg(rec, 'target_len', TARGET, TARGET_BASE),
      type: m.type_len ? rec.text(TYPE) : null,
      options: m.data_len ? rec.text(DATA) : null,
      flags: isMount ? (m.flags as number) : null,
      op_flags: isMount || kind === MOUNT_KIND_PIVOT_ROOT ? null : (m.flags as number),
      attr_flags: kind === MOUNT_KIND_FSMOUNT ? (m.attr_flags as number) : null,
      from_dfd: kind === MOUNT_KIND_MOVE_MOUNT || kind === MOUNT_KIND_FSMOUNT ? (m.from_dfd as number) : null,
      to_dfd: kind === MOUNT_KIND_MOVE_MOUNT ? (m.to_dfd as number) : null,
      truncated: cut ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const data = (v: unknown): DescribePart => ({ data: (v as ByteString | null) ?? '' });
    const parts: DescribePart[] = [formatRet(f.ret as number).padStart(6) + ` ${f.syscall} `];
    switch (f.syscall) {
      case 'mount':
        parts.push(data(f.source), ' on ', data(f.target));
        if (f.type !== null) parts.push(' type ', data(f.type));
        parts.push(` ${formatMsFlags(f.flags as number)}`);
        if (f.options !== null) parts.push(' (', data(f.options), ')');
        break;
      case 'move_mount':
        parts.push(data(f.source), ' -> ', data(f.target), ` ${formatOpFlags('move_mount', f.op_flags as number)}`);
        break;
      case 'pivot_root':
        parts.push('new root ', data(f.target), ', old root to ', data(f.source));
        break;
      case 'fsopen':
        parts.push(data(f.type), ` ${formatOpFlags('fsopen', f.op_flags as number)}`);
        break;
      case 'fsmount':
        parts.push(`fd ${f.from_dfd} ${formatOpFlags('fsmount', f.op_flags as number)} ${formatAttrFlags(f.attr_flags as number)}`);
        break;
      default:
        parts.push(data(f.target), ` ${formatOpFlags(String(f.syscall), (f.op_flags as number) ?? 0)}`);
    }
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: mountsnoopFacets,
};
