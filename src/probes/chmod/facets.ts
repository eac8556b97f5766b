import { textOf, type ByteString } from '../../event/index.js';
import { CHMOD_AT_EMPTY_PATH, CHMOD_AT_SYMLINK_NOFOLLOW } from '../../event/generated/skeleton.js';
import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { formatBits, formatMode, formatOctal } from './mode.js';

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;

/** `AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH` for the flags of the *at syscalls (the same ABI values in every probe). */
export function formatAtFlags(flags: number): string {
  return formatBits(flags, [
    ['AT_SYMLINK_NOFOLLOW', CHMOD_AT_SYMLINK_NOFOLLOW],
    ['AT_EMPTY_PATH', CHMOD_AT_EMPTY_PATH],
  ]);
}

/** A mode read from a capture: `rwsr-xr-x` when it is a number. */
const captureMode = (v: unknown) => (typeof v === 'number' ? formatMode(v) : captureCell(v));

/** What the rest of ebpfsh asks of chmod. */
export const chmodFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'mode') return `${formatMode(v)} (${formatOctal(v)})`;
    if (field === 'flags') return v ? `${formatAtFlags(v)} (0x${v.toString(16)})` : '0';
    return undefined;
  },
  completionValues(e, add) {
    const p = e.fields.path as ByteString;
    if (p.length) add('path', textOf(p));
    add('mode', formatOctal(e.fields.mode as number));
  },
  tree: {
    columns: 'ret, path, mode',
    lines(rows, ctx) {
      const out = rows
        .slice(0, ctx.perKind)
        .map(([ts, ret, path, mode]) => `${ctx.indent}  chmod   ${ctx.time(ts)} ${captureRet(ret)} ${captureText(path)} ${captureMode(mode)}`);
      return [...out, ...moreLines(rows, 'chmod', ctx)];
    },
  },
  security(e) {
    const mode = e.fields.mode as number;
    if (e.fields.ret !== 0 || !(mode & (S_ISUID | S_ISGID))) return undefined;
    const path = e.fields.path as ByteString;
    return {
      label: mode & S_ISUID ? 'setuid bit' : 'setgid bit',
      parts: ['chmod ', path.length ? { data: path } : `fd ${e.fields.fd}`, ` ${formatMode(mode)} (${formatOctal(mode)})`],
    };
  },
};
