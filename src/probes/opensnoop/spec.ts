import { formatRet } from '../../text/index.js';
import { formatOpenFlags, parseFlagTest, type FlagTest } from './open-flags.js';
import { anyPathMatches, parsePathPattern, type ByteString, type PathPattern } from '../../event/index.js';
import {
  OPEN_F_ABS_TRUNCATED,
  OPEN_F_FLAGS_FAULT,
  OPEN_F_PATH_TRUNCATED,
  OPEN_F_REAL_TRUNCATED,
  OPEN_KIND_BY_HANDLE,
  OPEN_KIND_CREAT,
  OPEN_KIND_OPEN,
  OPEN_KIND_OPENAT,
  OPEN_KIND_OPENAT2,
} from '../../event/generated/skeleton.js';
import { sharedExitAt } from '../syscall-hook.js';
import type { HookSpec, ProbeSpec } from '../types.js';
import { opensnoopFacets } from './facets.js';

/** The syscall of each enum open_kind. */
const SYSCALLS: Record<number, string> = {
  [OPEN_KIND_OPENAT]: 'openat',
  [OPEN_KIND_OPENAT2]: 'openat2',
  [OPEN_KIND_OPEN]: 'open',
  [OPEN_KIND_CREAT]: 'creat',
  [OPEN_KIND_BY_HANDLE]: 'open_by_handle_at',
};

/**
 * The hook of an open syscall: its sys_exit tracepoint only (the arguments
 * come from the saved registers). One program serves every open (it tells
 * them apart by syscall number), so the kernel verifies it once.
 */
function exitHook(name: string, optional?: boolean): HookSpec {
  return { name, ...(optional ? { optional } : {}), choices: [{ programs: ['exit_openat'], attach: `tracepoint/syscalls/sys_exit_${name}`, ...sharedExitAt('exit_openat', 'openat', name) }] };
}

/** Components of a path with empty ones, `.` and `x/..` folded lexically (a `..` left at the front of a relative path stays). */
function lexicalParts(p: string): string[] {
  const out: string[] = [];
  const abs = p.startsWith('/');
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (c !== '..' || !abs) out.push(c);
  }
  return out;
}

/** The bytes of a ByteString as a latin1 string, so comparisons are byte-exact. */
const byteText = (s: ByteString) => (typeof s === 'string' ? Buffer.from(s, 'utf8').toString('latin1') : Buffer.from(s).toString('latin1'));

/**
 * True when a successful open's `path` (the file the kernel opened) is not
 * where its `raw_path` (the caller's bytes, read after the call) points,
 * compared lexically: an absolute raw path must name the same components; a
 * relative one must be the tail of the opened path. Another thread rewriting
 * the caller's buffer during the call makes them differ, and so do symlinks,
 * `..` after a symlink, a chroot or another mount namespace. Computed from the
 * two stored columns, so live events and captures agree.
 */
export function openedElsewhere(ret: number, path: ByteString, raw: ByteString): boolean {
  if (ret < 0 || path === raw) return false;
  const p = lexicalParts(byteText(path));
  const r = lexicalParts(byteText(raw));
  const absolute = typeof raw === 'string' ? raw.startsWith('/') : raw[0] === 0x2f;
  if (!absolute) while (r[0] === '..') r.shift();
  if (absolute ? r.length !== p.length : r.length > p.length) return true;
  for (let i = 1; i <= r.length; i++) if (r[r.length - i] !== p[p.length - i]) return true;
  return false;
}

/** opensnoop: every open/openat/openat2/creat with path, flags and result. */
export const opensnoop: ProbeSpec = {
  name: 'opensnoop',
  aliases: ['open'],
  table: 'open',
  summary: 'file opens (open, openat, openat2, creat, open_by_handle_at): path, flags, mode, fd or error',
  object: 'opensnoop',
  profiles: ['files'],
  // sys_exit alone: the program reads the call's arguments from the registers the syscall entry saved
  hooks: [
    exitHook('openat'),
    exitHook('openat2', true),
    exitHook('open', true),
    exitHook('creat', true),
    // a file opened by handle has no path argument: without this hook it would not be seen at all
    exitHook('open_by_handle_at', true),
  ],
  record: {
    struct: 'open_event',
    members: { ret: 'i32', dfd: 'i32', flags: 'u64', mode: 'u32', ev_flags: 'u16', path_len: 'u16', abs_len: 'u16', real_len: 'u16' },
    segments: ['path_len', 'abs_len', 'real_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: 'the new fd, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'success: path of the file the kernel opened; failure: the raw path, made absolute when relative' },
    { name: 'raw_path', type: 'text', doc: 'the path as the caller\'s memory held it when the call returned' },
    { name: 'flags', type: 'int', doc: 'open flags (O_*); null when openat2\'s struct open_how could not be read' },
    { name: 'mode', type: 'int', doc: 'mode for O_CREAT/O_TMPFILE; null when unknown, as flags' },
    { name: 'dfd', type: 'int', doc: 'directory fd a relative path was resolved against (-100 = cwd)' },
    { name: 'syscall', type: 'text', doc: 'openat, openat2, open, creat or open_by_handle_at' },
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
      // an unreadable open_how must not hide an open from flags= or flags!=
      unknown: (e) => e.fields.flags === null,
    },
  },
  decode(rec, kind) {
    const { members } = rec;
    const raw = rec.text(0);
    // the opened file's path, else the raw path made absolute, else as passed
    const path = rec.size(2) ? rec.text(2) : rec.size(1) ? rec.text(1) : raw;
    const evFlags = members.ev_flags as number;
    const flagsKnown = (evFlags & OPEN_F_FLAGS_FAULT) === 0;
    return {
      ret: members.ret as number,
      path,
      raw_path: raw,
      flags: flagsKnown ? (members.flags as number) : null,
      mode: flagsKnown ? (members.mode as number) : null,
      dfd: members.dfd as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
      truncated: evFlags & (OPEN_F_PATH_TRUNCATED | OPEN_F_ABS_TRUNCATED | OPEN_F_REAL_TRUNCATED) ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const flags = f.flags === null ? 'flags?' : formatOpenFlags(f.flags as number);
    const parts: ReturnType<ProbeSpec['describe']> = [formatRet(f.ret as number).padStart(6) + ' ', { data: f.path as ByteString }, ' ' + flags];
    if (openedElsewhere(f.ret as number, f.path as ByteString, f.raw_path as ByteString)) parts.push(' [passed: ', { data: f.raw_path as ByteString }, ']');
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: opensnoopFacets,
};
