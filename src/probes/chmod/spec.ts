import { formatRet } from '../../text/index.js';
import type { ByteString } from '../../event/index.js';
import {
  CHMOD_KIND_CHMOD,
  CHMOD_KIND_FCHMOD,
  CHMOD_KIND_FCHMODAT,
  CHMOD_KIND_FCHMODAT2,
} from '../../event/generated/skeleton.js';
import type { DescribePart, ProbeSpec } from '../types.js';
import { chmodFacets, formatAtFlags } from './facets.js';
import { MODE_BITS, formatMode, formatOctal, parseModeTest, specialBits, type ModeTest } from './mode.js';
import { decodePathArg, pathFilterKey } from '../user-path.js';
import { syscallHook as hook } from '../syscall-hook.js';

/** The syscall of each enum chmod_kind. */
const SYSCALLS: Record<number, string> = {
  [CHMOD_KIND_CHMOD]: 'chmod',
  [CHMOD_KIND_FCHMOD]: 'fchmod',
  [CHMOD_KIND_FCHMODAT]: 'fchmodat',
  [CHMOD_KIND_FCHMODAT2]: 'fchmodat2',
};

/** chmod: mode changes (chmod, fchmod, fchmodat, fchmodat2), setuid/setgid/sticky flagged. */
export const chmod: ProbeSpec = {
  name: 'chmod',
  aliases: ['chmodsnoop', 'mode'],
  table: 'chmod',
  summary: 'mode changes (chmod, fchmod, fchmodat, fchmodat2): path, new mode as rwsr-xr-x, setuid/setgid/sticky, result',
  object: 'chmod',
  profiles: ['forensic', 'files'],
  hooks: [
    // arm64 and other new ports have no chmod: fchmodat covers them
    hook('chmod', true, 'fchmod'),
    hook('fchmod', false, 'fchmod'),
    hook('fchmodat', false, 'fchmod'),
    hook('fchmodat2', true, 'fchmod'),
  ],
  record: {
    struct: 'chmod_event',
    members: { ret: 'i32', fd: 'i32', mode: 'u32', flags: 'u32', path_flags: 'u16', raw_len: 'u16', base_len: 'u16' },
    segments: ['raw_len', 'base_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno', width: 7 },
    { name: 'path', type: 'text', doc: 'the file: the raw path made absolute from the cwd or the directory fd; fchmod: the path of the file behind the fd' },
    { name: 'raw_path', type: 'text', doc: "the path as the caller's memory held it when the call returned (fchmod: empty)" },
    { name: 'mode', type: 'int', doc: 'the new permission bits (07777 of the mode passed; the kernel ignores the rest)' },
    { name: 'special', type: 'text', doc: 'the special bits the new mode sets: setuid, setgid, sticky (comma-separated; empty when none)' },
    { name: 'flags', type: 'int', doc: 'fchmodat2 flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (0 for the others)' },
    { name: 'fd', type: 'int', doc: 'fchmod: the fd; *at: the directory fd (-100 = cwd); chmod: -100' },
    { name: 'syscall', type: 'text', doc: 'chmod, fchmod, fchmodat or fchmodat2' },
    { name: 'truncated', type: 'int', doc: '1 when a path was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: pathFilterKey,
    mode: {
      doc: 'a bit that must be set (+s: setuid or setgid, u+s, g+s, +t, +x, o+w) or an exact octal mode (4755)',
      example: 'mode=+s',
      parse: parseModeTest,
      match: (e, values) => (values as ModeTest[]).some((t) => t.test(e.fields.mode as number)),
    },
  },
  decode(rec, kind) {
    const m = rec.members;
    const mode = (m.mode as number) & MODE_BITS;
    return {
      ret: m.ret as number,
      ...decodePathArg(rec, 0, m.path_flags as number),
      mode,
      special: specialBits(mode),
      flags: m.flags as number,
      fd: m.fd as number,
      syscall: SYSCALLS[kind] ?? `kind${kind}`,
    };
  },
  describe(e) {
    const f = e.fields;
    const mode = f.mode as number;
    const path = f.path as ByteString;
    const parts: DescribePart[] = [formatRet(f.ret as number).padStart(6) + ' '];
    parts.push(path.length ? { data: path } : `fd ${f.fd}`);
    parts.push(` ${formatMode(mode)} (${formatOctal(mode)})`);
    if (f.special) parts.push(` [${f.special}]`);
    if (f.flags) parts.push(' ' + formatAtFlags(f.flags as number));
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: chmodFacets,
};
