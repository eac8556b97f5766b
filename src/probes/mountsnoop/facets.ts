import { textOf, type ByteString } from '../../event/index.js';
import { captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { DescribePart, ProbeFacets } from '../types.js';
import { formatAttrFlags, formatMsFlags } from './flags.js';

/** The calls that change what is mounted where, as a responder sees it. */
const ATTACHING = ['mount', 'move_mount', 'pivot_root'];

/** What the rest of ebpfsh asks of mountsnoop. */
export const mountsnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return `${formatMsFlags(v)} (0x${v.toString(16)})`;
    if (field === 'attr_flags') return `${formatAttrFlags(v)} (0x${v.toString(16)})`;
    return undefined;
  },
  completionValues(e, add) {
    const f = e.fields;
    if (f.target !== null && f.target !== undefined) add('target', textOf(f.target as ByteString));
    if (f.type !== null && f.type !== undefined) add('type', textOf(f.type as ByteString));
  },
  tree: {
    columns: 'syscall, ret, source, target, type',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, syscall, ret, source, target, type] of rows.slice(0, ctx.perKind)) {
        const from = source === null || source === undefined ? '' : `${captureText(source)} -> `;
        const what = syscall === 'fsopen' || syscall === 'fsmount' ? captureText(type) : `${from}${captureText(target)}${type ? ` (${captureText(type)})` : ''}`;
        out.push(`${ctx.indent}  mount   ${ctx.time(ts)} ${captureText(syscall)} ${what} ${captureRet(ret)}`);
      }
      return [...out, ...moreLines(rows, 'mount', ctx)];
    },
  },
  // What is mounted where decides what every process sees: each successful change is worth a look.
  security(e) {
    const f = e.fields;
    if ((f.ret as number) !== 0 || !ATTACHING.includes(f.syscall as string)) return undefined;
    const data = (v: unknown): DescribePart => ({ data: (v as ByteString | null) ?? '' });
    if (f.syscall === 'pivot_root') return { label: 'mount', parts: ['pivot_root to ', data(f.target)] };
    const parts: DescribePart[] = [`${f.syscall} `, data(f.source), ' on ', data(f.target)];
    if (f.type !== null) parts.push(' type ', data(f.type));
    return { label: 'mount', parts };
  },
};
