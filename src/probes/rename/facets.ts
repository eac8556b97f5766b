import { textOf, type ByteString, type TraceEvent } from '../../event/index.js';
import { captureRet, captureText, formatRet } from '../../text/index.js';
import { RENAME_FLAG_EXCHANGE } from '../../event/generated/skeleton.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { foldPath, isHistoryPath, isLogPath, isSystemBinary } from '../unlink/tracks.js';
import { formatRenameFlags } from './flags.js';

/** What a rename did to something a responder watches: [thing, what happened, the action's name for a failure]. */
type Finding = [thing: string, done: string, action: string];

/**
 * Why a rename is worth a responder's eye, worst first: a file put onto a
 * name in a system binary directory; a log or history file moved away
 * (covering tracks), or another file moved over one. RENAME_EXCHANGE swaps
 * the two, so both paths are checked both ways.
 */
function finding(e: TraceEvent): Finding | undefined {
  const from = foldPath(e.fields.old_path as ByteString);
  const onto = foldPath(e.fields.new_path as ByteString);
  const swap = ((e.fields.flags as number) & RENAME_FLAG_EXCHANGE) !== 0;
  if (isSystemBinary(onto) || (swap && isSystemBinary(from))) return ['binary', 'replaced', 'replacement'];
  if (isLogPath(from) || (swap && isLogPath(onto))) return ['log', 'renamed', 'rename'];
  if (isLogPath(onto)) return ['log', 'overwritten', 'overwrite'];
  if (isHistoryPath(from) || (swap && isHistoryPath(onto))) return ['history', 'renamed', 'rename'];
  if (isHistoryPath(onto)) return ['history', 'overwritten', 'overwrite'];
  return undefined;
}

/** What the rest of ebpfsh asks of the rename probe. */
export const renameFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return `${formatRenameFlags(v)} (0x${(v >>> 0).toString(16)})`;
    if ((field === 'olddfd' || field === 'newdfd') && v === -100) return 'AT_FDCWD (-100)';
    return undefined;
  },
  completionValues(e, add) {
    add('path', textOf(e.fields.old_path as ByteString));
    add('path', textOf(e.fields.new_path as ByteString));
  },
  security(e) {
    const found = finding(e);
    if (!found) return undefined;
    const [thing, done, action] = found;
    const ret = e.fields.ret as number;
    const flags = e.fields.flags as number;
    return {
      label: ret === 0 ? `${thing} ${done}` : `${thing} ${action} failed`,
      parts: [
        `${e.fields.syscall as string} `,
        { data: e.fields.old_path as ByteString },
        flags & RENAME_FLAG_EXCHANGE ? ' <-> ' : ' -> ',
        { data: e.fields.new_path as ByteString },
        flags ? ` ${formatRenameFlags(flags)}` : '',
        ret === 0 ? '' : ` ${formatRet(ret)}`,
      ],
    };
  },
  tree: {
    columns: 'ret, old_path, new_path, flags',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, from, onto, flags] of rows.slice(0, ctx.perKind)) {
        const arrow = typeof flags === 'number' && flags & RENAME_FLAG_EXCHANGE ? '<->' : '->';
        out.push(`${ctx.indent}  rename  ${ctx.time(ts)} ${captureText(from)} ${arrow} ${captureText(onto)} ${ret === 0 ? 'ok' : captureRet(ret)}`);
      }
      return [...out, ...moreLines(rows, 'rename', ctx)];
    },
  },
};
