import { captureRet } from '../../text/index.js';
import { captureEndpoint, captureKind, endpoint, isLoopback, socketCompletions, socketKind, tcpEnd } from '../socket-addr.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';

/** What the rest of ebpfsh asks of listen. */
export const listenFacets: ProbeFacets = {
  completionValues: (e, add) => socketCompletions(e, add, 'local'),
  socketEnd: (e) => tcpEnd(e.fields, 'l', e.fields.ret === 0),
  /**
   * A listener other hosts can reach: every successful listen on an IP address
   * that is not loopback (0.0.0.0 and :: included). A bind shell is one; a
   * loopback or unix listener is reachable only from this host and is left to
   * the listen table.
   */
  security(e) {
    const f = e.fields;
    if (f.ret !== 0 || (f.family !== 'ipv4' && f.family !== 'ipv6') || isLoopback(f.laddr as string)) return undefined;
    return { label: 'listener', parts: [`${socketKind(f)} `, ...endpoint(f, 'l'), ` backlog ${f.backlog}`] };
  },
  forensicViews: [
    {
      // Listening addresses with the processes that opened them, first and last.
      name: 'listeners',
      summary: true,
      select: (host, table) => `SELECT ${host}pid, comm, family, protocol, laddr, lport, count(*) AS listens, min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} WHERE ret = 0 GROUP BY ${host}pid, comm, family, protocol, laddr, lport`,
    },
  ],
  tree: {
    columns: 'ret, family, protocol, type, laddr, lport, backlog',
    lines(rows, ctx) {
      const out = rows
        .slice(0, ctx.perKind)
        .map(([ts, ret, family, protocol, type, laddr, lport]) =>
          `${ctx.indent}  listen  ${ctx.time(ts)} ${captureKind(family, protocol, type)} ${captureEndpoint(family, laddr, lport)} ${ret === 0 ? 'ok' : captureRet(ret)}`,
        );
      return [...out, ...moreLines(rows, 'listen', ctx)];
    },
  },
};
