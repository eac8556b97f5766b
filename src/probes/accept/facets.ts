import { captureRet } from '../../text/index.js';
import { captureEndpoint, captureKind, formatSockFlags, socketCompletions, socketKind, tcpEnd } from '../socket-addr.js';
import { moreLines } from '../tree-lines.js';
import type { ByteString, FieldValue } from '../../event/index.js';
import type { DescribePart, ProbeFacets } from '../types.js';

/** One end of an accepted connection as parts, its address kept as data (a capture's text is hostile). */
function end(f: Record<string, FieldValue>, which: 'l' | 'r'): DescribePart[] {
  const addr = f[`${which}addr`] as ByteString | null | undefined;
  const port = typeof f[`${which}port`] === 'number' ? String(f[`${which}port`]) : '?';
  if (addr === null || addr === undefined) return ['?'];
  if (f.family === 'unix') return addr.length ? [{ data: addr }] : ['(unnamed)'];
  return f.family === 'ipv6' ? ['[', { data: addr }, `]:${port}`] : [{ data: addr }, `:${port}`];
}

/** What the rest of ebpfsh asks of accept. */
export const acceptFacets: ProbeFacets = {
  detailValue: (field, v) => (field === 'flags' ? formatSockFlags(v) : undefined),
  completionValues: (e, add) => socketCompletions(e, add, 'both'),
  // A process that accepts on a port holds its listening socket.
  socketEnd: (e) => tcpEnd(e.fields, 'l', (e.fields.ret as number) >= 0),
  forensicViews: [
    {
      // Inbound connections per process and peer address: how many, first and last.
      name: 'inbound_per_process',
      summary: true,
      select: (host, table) => `SELECT ${host}pid, comm, laddr, lport, raddr, count(*) AS accepts, min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} WHERE ret >= 0 GROUP BY ${host}pid, comm, laddr, lport, raddr`,
    },
  ],
  // An accepted inbound connection (ret is the new fd): held from then on, as far as the capture knows.
  connections: {
    where: 'ret >= 0',
    of(e) {
      const f = e.fields;
      return { direction: 'in', parts: [{ data: socketKind(f) }, ' ', ...end(f, 'l'), ' <- ', ...end(f, 'r')] };
    },
  },
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
