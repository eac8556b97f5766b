import { textOf, type ByteString } from '../../event/index.js';
import { CHOWN_AT_EMPTY_PATH, CHOWN_AT_SYMLINK_NOFOLLOW } from '../../event/generated/skeleton.js';
import { captureCell, captureRet, captureText } from '../../text/index.js';
import { formatBits } from '../chmod/mode.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';

/** `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH` for fchownat's flags. */
export const formatChownFlags = (flags: number): string =>
  formatBits(flags, [
    ['AT_SYMLINK_NOFOLLOW', CHOWN_AT_SYMLINK_NOFOLLOW],
    ['AT_EMPTY_PATH', CHOWN_AT_EMPTY_PATH],
  ]);

/** A new uid or gid: `-` when left unchanged (-1). */
const idText = (v: unknown) => (v === -1 ? '-' : captureCell(v));

/** `0:-` for a new uid 0 and an unchanged group. */
export const formatOwner = (uid: unknown, gid: unknown): string => `${idText(uid)}:${idText(gid)}`;

/** What the rest of ebpfsh asks of chown. */
export const chownFacets: ProbeFacets = {
  detailValue(field, v) {
    if ((field === 'new_uid' || field === 'new_gid') && v === -1) return '- (unchanged)';
    if (field === 'flags') return v ? `${formatChownFlags(v)} (0x${v.toString(16)})` : '0';
    return undefined;
  },
  completionValues(e, add) {
    const p = e.fields.path as ByteString;
    if (p.length) add('path', textOf(p));
    add('owner', e.fields.new_uid === -1 ? '-' : String(e.fields.new_uid));
  },
  tree: {
    columns: 'ret, path, new_uid, new_gid',
    lines(rows, ctx) {
      const out = rows
        .slice(0, ctx.perKind)
        .map(([ts, ret, path, uid, gid]) => `${ctx.indent}  chown   ${ctx.time(ts)} ${captureRet(ret)} ${captureText(path)} ${formatOwner(uid, gid)}`);
      return [...out, ...moreLines(rows, 'chown', ctx)];
    },
  },
  security(e) {
    // giving a file to root takes CAP_CHOWN: from a process that is not root, that capability came from somewhere
    if (e.fields.ret !== 0 || e.fields.new_uid !== 0 || e.uid === 0) return undefined;
    const path = e.fields.path as ByteString;
    return { label: 'chown to root', parts: ['chown ', path.length ? { data: path } : `fd ${e.fields.fd}`, ` owner ${formatOwner(0, e.fields.new_gid)} by uid ${e.uid}`] };
  },
};
