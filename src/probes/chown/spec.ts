import { readFileSync } from 'node:fs';
import { formatRet } from '../../text/index.js';
import { FilterError } from '../../event/filter-error.js';
import type { ByteString } from '../../event/index.js';
import { CHOWN_KIND_CHOWN, CHOWN_KIND_FCHOWN, CHOWN_KIND_FCHOWNAT, CHOWN_KIND_LCHOWN } from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { decodePathArg, pathFilterKey } from '../user-path.js';
import { syscallHook as hook } from '../syscall-hook.js';
import { chownFacets, formatChownFlags, formatOwner } from './facets.js';

/** The syscall of each enum chown_kind. */
const SYSCALLS: Record<number, string> = {
  [CHOWN_KIND_CHOWN]: 'chown',
  [CHOWN_KIND_FCHOWN]: 'fchown',
  [CHOWN_KIND_FCHOWNAT]: 'fchownat',
  [CHOWN_KIND_LCHOWN]: 'lchown',
};

/** (uid_t)-1: leave the owner (or group) as it is. */
const UNCHANGED = 0xffff_ffff;

/** A user name's uid from /etc/passwd, if it is there. */
function uidOf(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [n, , id] = line.split(':');
      if (n === name && id && /^\d+$/.test(id)) return Number(id);
    }
  } catch {
    // no passwd: names are unknown
  }
  return undefined;
}

/** Parses an `owner=` value: a uid, a user name of this host, or `-` (left unchanged). */
function parseOwner(value: string): number {
  if (value === '-') return -1;
  if (/^\d+$/.test(value) && Number(value) < UNCHANGED) return Number(value);
  const uid = uidOf(value);
  if (uid === undefined) throw new FilterError(`owner: '${value}' is not a uid, a user name of this host or - (e.g. owner=0, owner=root)`);
  return uid;
}

/** chown: owner and group changes (chown, fchown, fchownat, lchown). */
export const chown: ProbeSpec = {
  name: 'chown',
  aliases: ['chownsnoop', 'owner'],
  table: 'chown',
  summary: 'owner and group changes (chown, fchown, fchownat, lchown): path, new uid and gid, flags, result',
  object: 'chown',
  profiles: ['forensic', 'files'],
  hooks: [
    // arm64 and other new ports have neither chown nor lchown: fchownat covers them
    hook('chown', true, 'fchown'),
    hook('fchown', false, 'fchown'),
    hook('fchownat', false, 'fchown'),
    hook('lchown', true, 'fchown'),
  ],
  record: {
    struct: 'chown_event',
    members: { ret: 'i32', fd: 'i32', owner: 'u32', group: 'u32', flags: 'u32', path_flags: 'u16', raw_len: 'u16', base_len: 'u16' },
    segments: ['raw_len', 'base_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'the file: the raw path made absolute from the cwd or the directory fd; fchown: the path of the file behind the fd' },
    { name: 'raw_path', type: 'text', doc: "the path as the caller's memory held it when the call returned (fchown: empty)" },
    { name: 'new_uid', type: 'int', doc: 'the new owner uid; -1 leaves it unchanged (shown as -)' },
    { name: 'new_gid', type: 'int', doc: 'the new group gid; -1 leaves it unchanged (shown as -)' },
    { name: 'flags', type: 'int', doc: 'fchownat flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH; lchown: AT_SYMLINK_NOFOLLOW; else 0' },
    { name: 'fd', type: 'int', doc: 'fchown: the fd; fchownat: the directory fd (-100 = cwd); chown, lchown: -100' },
    { name: 'syscall', type: 'text', doc: 'chown, fchown, fchownat or lchown' },
    { name: 'truncated', type: 'int', doc: '1 when a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: pathFilterKey,
    owner: {
      doc: 'the new owner: a uid, a user name of this host, or - (owner left unchanged)',
      example: 'owner=0',
      parse: parseOwner,
      match: (e, values) => (values as number[]).includes(e.fields.new_uid as number),
    },
  },
  decode(rec, kind) {
    const m = rec.members;
    const id = (v: unknown) => ((v as number) === UNCHANGED ? -1 : (v as number));
    return {
      ret: m.ret as number,
      ...decodePathArg(rec, 0, m.path_flags as number),
      new_uid: id(m.owner),
      new_gid: id(m.group),
      flags: m.flags as number,
      fd: m.fd as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
    };
  },
  describe(e) {
    const f = e.fields;
    const path = f.path as ByteString;
    const parts: DescribePart[] = [formatRet(f.ret as number).padStart(6) + ' '];
    parts.push(path.length ? { data: path } : `fd ${f.fd}`);
    parts.push(` owner ${formatOwner(f.new_uid as number, f.new_gid as number)}`);
    if (f.flags) parts.push(' ' + formatChownFlags(f.flags as number));
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: chownFacets,
};
