import { textOf, type ByteString } from '../../event/index.js';
import { SETXATTR_AT_EMPTY_PATH, SETXATTR_AT_SYMLINK_NOFOLLOW, SETXATTR_CREATE, SETXATTR_REPLACE } from '../../event/generated/skeleton.js';
import { captureRet, captureText } from '../../text/index.js';
import { formatBits } from '../chmod/mode.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { CAPS_XATTR } from './caps.js';

/** `XATTR_CREATE` / `XATTR_REPLACE` for setxattr's flags. */
export const formatXattrFlags = (flags: number): string =>
  formatBits(flags, [
    ['XATTR_CREATE', SETXATTR_CREATE],
    ['XATTR_REPLACE', SETXATTR_REPLACE],
  ]);

/** `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH` for setxattrat's at_flags. */
const formatAtFlags = (flags: number): string =>
  formatBits(flags, [
    ['AT_SYMLINK_NOFOLLOW', SETXATTR_AT_SYMLINK_NOFOLLOW],
    ['AT_EMPTY_PATH', SETXATTR_AT_EMPTY_PATH],
  ]);

/** What the rest of ebpfsh asks of setxattr. */
export const setxattrFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return v ? `${formatXattrFlags(v)} (${v})` : '0 (create or replace)';
    if (field === 'at_flags') return v ? `${formatAtFlags(v)} (0x${v.toString(16)})` : '0';
    return undefined;
  },
  completionValues(e, add) {
    const p = e.fields.path as ByteString;
    if (p.length) add('path', textOf(p));
    const n = e.fields.name as ByteString;
    if (n.length) add('name', textOf(n));
  },
  tree: {
    columns: 'ret, path, name, caps',
    lines(rows, ctx) {
      const out = rows
        .slice(0, ctx.perKind)
        .map(([ts, ret, path, name, caps]) =>
          `${ctx.indent}  xattr   ${ctx.time(ts)} ${captureRet(ret)} ${captureText(path)} ${captureText(name)}${caps === null || caps === undefined ? '' : ' ' + captureText(caps)}`,
        );
      return [...out, ...moreLines(rows, 'xattr', ctx)];
    },
  },
  security(e) {
    if (e.fields.ret !== 0 || e.fields.name !== CAPS_XATTR) return undefined;
    const path = e.fields.path as ByteString;
    return {
      label: 'file capability',
      parts: ['setcap ', path.length ? { data: path } : `fd ${e.fields.fd}`, ' ', (e.fields.caps as string | null) ?? `(not a capability struct: ${e.fields.value_head ?? 'unread'})`],
    };
  },
};
