import { textOf, type ByteString } from '../../event/index.js';
import { captureRet, captureText, formatRet } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { UNLINK_AT_REMOVEDIR } from '../../event/generated/skeleton.js';
import { formatUnlinkFlags } from './flags.js';
import { foldPath, isHistoryPath, isLogPath } from './tracks.js';

/** The word of a tree line: a directory removal reads `rmdir`. */
const verb = (syscall: unknown, flags: unknown) => (syscall === 'rmdir' || (typeof flags === 'number' && flags & UNLINK_AT_REMOVEDIR) ? 'rmdir' : 'unlink');

/** What the rest of ebpfsh asks of the unlink probe. */
export const unlinkFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return `${formatUnlinkFlags(v)} (0x${(v >>> 0).toString(16)})`;
    if (field === 'dfd' && v === -100) return 'AT_FDCWD (-100)';
    return undefined;
  },
  completionValues(e, add) {
    add('path', textOf(e.fields.path as ByteString));
  },
  security(e) {
    const path = foldPath(e.fields.path as ByteString);
    const what = isLogPath(path) ? 'log' : isHistoryPath(path) ? 'history' : undefined;
    if (!what) return undefined;
    const ret = e.fields.ret as number;
    return {
      label: ret === 0 ? `${what} deleted` : `${what} deletion failed`,
      parts: [`${e.fields.syscall as string} `, { data: e.fields.path as ByteString }, ret === 0 ? '' : ` ${formatRet(ret)}`],
    };
  },
  tree: {
    columns: 'ret, path, syscall, flags',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, path, syscall, flags] of rows.slice(0, ctx.perKind))
        out.push(`${ctx.indent}  ${verb(syscall, flags).padEnd(7)} ${ctx.time(ts)} ${captureText(path)} ${ret === 0 ? 'ok' : captureRet(ret)}`);
      return [...out, ...moreLines(rows, 'unlink', ctx)];
    },
  },
};
