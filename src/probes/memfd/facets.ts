import { textOf, type ByteString } from '../../event/index.js';
import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { formatMemfdFlags } from './memfd-flags.js';

/** What the rest of ebpfsh asks of memfd. */
export const memfdFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return `${formatMemfdFlags(v)} (0x${v.toString(16)})`;
    return undefined;
  },
  completionValues(e, add) {
    add('name', textOf(e.fields.name as ByteString));
  },
  tree: {
    columns: 'ret, name, flags',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, name, flags] of rows.slice(0, ctx.perKind)) {
        const f = typeof flags === 'number' || typeof flags === 'bigint' ? formatMemfdFlags(Number(flags)) : captureCell(flags);
        out.push(`${ctx.indent}  memfd   ${ctx.time(ts)} ${captureRet(ret)} memfd:${captureText(name)} ${f}`);
      }
      return [...out, ...moreLines(rows, 'memfd', ctx)];
    },
  },
};
