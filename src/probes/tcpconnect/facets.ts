import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ByteString } from '../../event/index.js';
import type { ProbeFacets } from '../types.js';

/** Linux's ECONNREFUSED: a connect to a port nothing listens on. */
const ECONNREFUSED = 111;

/** What the rest of ebpfsh asks of tcpconnect. */
export const tcpconnectFacets: ProbeFacets = {
  completionValues(e, add) {
    add('dport', String(e.fields.dport));
    add('daddr', String(e.fields.daddr));
  },
  socketEnd: (e) =>
    typeof e.fields.daddr === 'string' && typeof e.fields.dport === 'number'
      ? { role: 'connecting', addr: e.fields.daddr, port: e.fields.dport, refused: e.fields.ret === -ECONNREFUSED }
      : undefined,
  dashboard: (e) => ({
    panel: 'connections',
    daddr: (e.fields.daddr as string) ?? '',
    dport: e.fields.dport as number,
    ipver: e.fields.ipver as number,
    ret: e.fields.ret as number,
  }),
  forensicViews: [
    {
      // Outbound connections per process: attempts, outcomes, distinct destinations, first and last.
      name: 'connections_per_process',
      summary: true,
      select: (host, table) => `SELECT ${host}pid, comm, count(*) AS connects, sum(ret = 0) AS established, sum(ret < 0) AS failed,
            count(DISTINCT daddr || ' ' || CAST(dport AS TEXT)) AS destinations, min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} GROUP BY ${host}pid, comm`,
    },
  ],
  // An established outbound connection (ret 0): held from then on, as far as the capture knows.
  connections: {
    where: 'ret = 0',
    of(e) {
      const f = e.fields;
      const port = typeof f.dport === 'number' ? String(f.dport) : '?';
      const addr = { data: (f.daddr as ByteString | null) ?? '?' };
      return { direction: 'out', parts: f.ipver === 6 ? ['tcp [', addr, `]:${port}`] : ['tcp ', addr, `:${port}`] };
    },
  },
  tree: {
    columns: 'ret, daddr, dport, ipver',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, daddr, dport, ipver] of rows.slice(0, ctx.perKind)) {
        const dest = ipver === 6 ? `[${captureText(daddr)}]:${captureCell(dport)}` : `${captureText(daddr)}:${captureCell(dport)}`;
        out.push(`${ctx.indent}  connect ${ctx.time(ts)} ${dest} ${ret === 0 ? 'ok' : captureRet(ret)}`);
      }
      return [...out, ...moreLines(rows, 'connect', ctx)];
    },
  },
};
