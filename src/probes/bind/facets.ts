import { captureRet } from '../../text/index.js';
import { captureEndpoint, captureKind, socketCompletions } from '../socket-addr.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';

/** What the rest of ebpfsh asks of bind. */
export const bindFacets: ProbeFacets = {
  completionValues: (e, add) => socketCompletions(e, add, 'local'),
  tree: {
    columns: 'ret, family, protocol, type, laddr, lport',
    lines(rows, ctx) {
      const out = rows
        .slice(0, ctx.perKind)
        .map(([ts, ret, family, protocol, type, laddr, lport]) =>
          `${ctx.indent}  bind    ${ctx.time(ts)} ${captureKind(family, protocol, type)} ${captureEndpoint(family, laddr, lport)} ${ret === 0 ? 'ok' : captureRet(ret)}`,
        );
      return [...out, ...moreLines(rows, 'bind', ctx)];
    },
  },
};
