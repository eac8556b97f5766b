import { captureRet } from '../../text/index.js';
import { captureEndpoint, captureKind, formatSockFlags, socketCompletions } from '../socket-addr.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';

/** What the rest of ebpfsh asks of accept. */
export const acceptFacets: ProbeFacets = {
  detailValue: (field, v) => (field === 'flags' ? formatSockFlags(v) : undefined),
  completionValues: (e, add) => socketCompletions(e, add, 'both'),
  forensicViews: [
    {
      // Inbound connections per process and peer address: how many, first and last.
      name: 'inbound_per_process',
      select: (host, table) => `SELECT ${host}pid, comm, laddr, lport, raddr, count(*) AS accepts, min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} WHERE ret >= 0 GROUP BY ${host}pid, comm, laddr, lport, raddr`,
    },
  ],
  tree: {
    columns: 'ret, family, protocol, type, laddr, lport, raddr, rport',
    lines(rows, ctx) {
      const out = rows.slice(0, ctx.perKind).map(([ts, ret, family, protocol, type, laddr, lport, raddr, rport]) => {
        const local = `${captureKind(family, protocol, type)} ${captureEndpoint(family, laddr, lport)}`;
        const what = typeof ret === 'number' && ret >= 0 ? `<- ${captureEndpoint(family, raddr, rport)}` : captureRet(ret);
        return `${ctx.indent}  accept  ${ctx.time(ts)} ${local} ${what}`;
      });
      return [...out, ...moreLines(rows, 'accept', ctx)];
    },
  },
};
