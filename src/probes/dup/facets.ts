import { captureCell, captureRet } from '../../text/index.js';
import { captureEndpoint, captureKind, formatSockFlags, socketCompletions } from '../socket-addr.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { describeDup } from './describe.js';

const STDIO = ['stdin', 'stdout', 'stderr'];

/** What the rest of ebpfsh asks of dup. */
export const dupFacets: ProbeFacets = {
  detailValue: (field, v) => (field === 'flags' ? formatSockFlags(v) : undefined),
  completionValues: (e, add) => socketCompletions(e, add, 'both'),
  // every event is one: the probe emits only a socket put on stdin, stdout or stderr
  // A network socket on stdio is the reverse shell; a unix socketpair there is how
  // node, systemd and many supervisors wire a child's stdio (the event stays in the table).
  security: (e) => (e.fields.family === 'ipv4' || e.fields.family === 'ipv6' ? { label: 'reverse shell', parts: describeDup(e.fields) } : undefined),
  tree: {
    columns: 'ret, newfd, family, protocol, type, laddr, lport, raddr, rport, syscall',
    lines(rows, ctx) {
      const out = rows.slice(0, ctx.perKind).map(([ts, ret, newfd, family, protocol, type, laddr, lport, raddr, rport]) => {
        const fd = typeof newfd === 'number' ? (STDIO[newfd] ?? `fd ${newfd}`) : captureCell(newfd);
        const failed = typeof ret === 'number' && ret < 0 ? ` ${captureRet(ret)}` : '';
        return `${ctx.indent}  dup     ${ctx.time(ts)} ${fd} <- ${captureKind(family, protocol, type)} ${captureEndpoint(family, laddr, lport)} -> ${captureEndpoint(family, raddr, rport)}${failed}`;
      });
      return [...out, ...moreLines(rows, 'dup', ctx)];
    },
  },
};
