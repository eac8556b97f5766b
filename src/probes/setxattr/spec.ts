import { formatRet } from '../../text/index.js';
import { FilterError } from '../../event/filter-error.js';
import { textOf, type ByteString } from '../../event/index.js';
import {
  SETXATTR_F_ARGS_FAULT,
  SETXATTR_F_NAME_TRUNCATED,
  SETXATTR_KIND_FSETXATTR,
  SETXATTR_KIND_LSETXATTR,
  SETXATTR_KIND_SETXATTR,
  SETXATTR_KIND_SETXATTRAT,
} from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { decodePathArg, pathFilterKey } from '../user-path.js';
import { syscallHook as hook } from '../syscall-hook.js';
import { CAPS_XATTR, capSetNames, decodeFileCaps, formatFileCaps } from './caps.js';
import { formatXattrFlags, setxattrFacets } from './facets.js';

/** The syscall of each enum setxattr_kind. */
const SYSCALLS: Record<number, string> = {
  [SETXATTR_KIND_SETXATTR]: 'setxattr',
  [SETXATTR_KIND_LSETXATTR]: 'lsetxattr',
  [SETXATTR_KIND_FSETXATTR]: 'fsetxattr',
  [SETXATTR_KIND_SETXATTRAT]: 'setxattrat',
};

/** A `name=` value: an exact attribute name, or a glob with `*` (`security.*`). */
interface NamePattern {
  text: string;
  test(name: string): boolean;
}

/** Parses `security.capability` (exact) or `security.*` / `*.selinux` (glob). */
function parseNamePattern(value: string): NamePattern {
  if (value === '') throw new FilterError('name: empty value (e.g. name=security.capability, name=trusted.*)');
  if (!value.includes('*')) return { text: value, test: (n) => n === value };
  const re = new RegExp('^' + value.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$', 's');
  return { text: value, test: (n) => re.test(n) };
}

/** The value's first bytes as hex. */
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** setxattr: extended attributes set (setxattr, lsetxattr, fsetxattr, setxattrat), file capabilities decoded. */
export const setxattr: ProbeSpec = {
  name: 'setxattr',
  aliases: ['xattr'],
  table: 'setxattr',
  summary: 'extended attributes set (setxattr, lsetxattr, fsetxattr, setxattrat): path, name, size, flags, result; security.capability decoded',
  object: 'setxattr',
  profiles: ['forensic', 'files'],
  hooks: [
    hook('setxattr', false, 'setxattr'),
    hook('lsetxattr', false, 'setxattr'),
    hook('fsetxattr', false, 'setxattr'),
    // Linux 6.13
    hook('setxattrat', true, 'setxattr'),
  ],
  record: {
    struct: 'setxattr_event',
    members: {
      ret: 'i32',
      fd: 'i32',
      size: 'u64',
      flags: 'u32',
      at_flags: 'u32',
      ev_flags: 'u16',
      path_flags: 'u16',
      value_len: 'u16',
      name_len: 'u16',
      raw_len: 'u16',
      base_len: 'u16',
      value: 'bytes',
    },
    segments: ['name_len', 'raw_len', 'base_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'the file: the raw path made absolute from the cwd or the directory fd; fsetxattr: the path of the file behind the fd' },
    { name: 'raw_path', type: 'text', doc: "the path as the caller's memory held it when the call returned (fsetxattr: empty)" },
    { name: 'name', type: 'text', doc: 'the attribute name (security.capability, user.x, trusted.overlay.opaque, ...)' },
    { name: 'size', type: 'int', doc: "the value's size in bytes; null when setxattrat's struct xattr_args could not be read" },
    { name: 'flags', type: 'int', doc: 'XATTR_CREATE, XATTR_REPLACE (0: either); null as size' },
    { name: 'at_flags', type: 'int', doc: 'setxattrat: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH; lsetxattr: AT_SYMLINK_NOFOLLOW; else 0' },
    { name: 'fd', type: 'int', doc: 'fsetxattr: the fd; setxattrat: the directory fd (-100 = cwd); else -100' },
    { name: 'syscall', type: 'text', doc: 'setxattr, lsetxattr, fsetxattr or setxattrat' },
    { name: 'value_head', type: 'text', doc: "the value's first bytes (up to 24) in hex; null when they could not be read" },
    { name: 'caps', type: 'text', doc: 'security.capability: the capabilities as getcap writes them (cap_net_raw=ep, [rootid=N] for v3); null otherwise or when invalid' },
    { name: 'cap_permitted', type: 'text', doc: 'security.capability: the permitted set by name, comma-separated' },
    { name: 'cap_inheritable', type: 'text', doc: 'security.capability: the inheritable set by name, comma-separated' },
    { name: 'cap_effective', type: 'int', doc: 'security.capability: 1 when the effective bit is set (raised at exec)' },
    { name: 'cap_version', type: 'int', doc: 'security.capability: the struct revision, 1, 2 or 3 (3: namespaced, with a root uid)' },
    { name: 'cap_rootid', type: 'int', doc: 'security.capability revision 3: the uid that is root in the namespace the capabilities are for' },
    { name: 'truncated', type: 'int', doc: '1 when the name or a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: pathFilterKey,
    name: {
      doc: 'attribute name: exact, or a glob with * (security.*)',
      example: 'name=security.capability',
      parse: parseNamePattern,
      match: (e, values) => (values as NamePattern[]).some((p) => p.test(textOf(e.fields.name as ByteString))),
      // an unreadable name must not hide the call from name= or name!=
      unknown: (e) => (e.fields.name as ByteString).length === 0,
    },
  },
  decode(rec, kind) {
    const m = rec.members;
    const ev = m.ev_flags as number;
    const name = rec.text(0);
    const argsKnown = (ev & SETXATTR_F_ARGS_FAULT) === 0;
    const valueLen = m.value_len as number;
    const head = (m.value as Uint8Array).subarray(0, valueLen);
    const caps = name === CAPS_XATTR ? decodeFileCaps(head) : undefined;
    const pathArg = decodePathArg(rec, 1, m.path_flags as number);
    return {
      ret: m.ret as number,
      path: pathArg.path,
      raw_path: pathArg.raw_path,
      name,
      size: argsKnown ? (m.size as number) : null,
      flags: argsKnown ? (m.flags as number) : null,
      at_flags: m.at_flags as number,
      fd: m.fd as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      value_head: valueLen || (argsKnown && m.size === 0) ? hex(head) : null,
      caps: caps ? formatFileCaps(caps) : null,
      cap_permitted: caps ? capSetNames(caps.permitted) : null,
      cap_inheritable: caps ? capSetNames(caps.inheritable) : null,
      cap_effective: caps ? (caps.effective ? 1 : 0) : null,
      cap_version: caps ? caps.version : null,
      cap_rootid: caps ? caps.rootid : null,
      truncated: pathArg.truncated || ev & SETXATTR_F_NAME_TRUNCATED ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const path = f.path as ByteString;
    const parts: DescribePart[] = [formatRet(f.ret as number).padStart(6) + ' '];
    parts.push(path.length ? { data: path } : `fd ${f.fd}`, ' ');
    parts.push((f.name as ByteString).length ? { data: f.name as ByteString } : 'name?');
    if (f.caps !== null) parts.push(' ' + (f.caps as string));
    else if (f.name === CAPS_XATTR) parts.push(f.value_head === null ? ' [capability value unread]' : ` [not a capability struct: ${f.value_head}]`);
    parts.push(f.size === null ? ' (size?)' : ` (${f.size} bytes)`);
    if (f.flags) parts.push(' ' + formatXattrFlags(f.flags as number));
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: setxattrFacets,
};


