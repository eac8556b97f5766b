import { captureCell } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { signalName } from '../signals.js';
import { describeStatus, formatLifetime } from './status.js';

/** What the rest of ebpfsh asks of exitsnoop. */
export const exitsnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'sig') return v ? `${signalName(v)} (${v})` : '0 (no signal)';
    if (field === 'exit_code') return `${describeStatus((v >> 8) & 0xff, v & 0x7f, v & 0x80 ? 1 : 0)} (0x${v.toString(16)})`;
    if (field === 'lifetime_us') return formatLifetime(v);
    return undefined;
  },
  processEnd: (e) => (e.fields.thread === 0 ? (e.fields.exit_code as number) : undefined),
  completionValues(e, add) {
    const f = e.fields;
    if (f.sig) add('sig', signalName(f.sig as number).slice(3));
    else add('code', String(f.code));
  },
  tree: {
    columns: 'tid, code, sig, core, thread, lifetime_us',
    lines(rows, ctx) {
      const out: string[] = [];
      const status = (code: unknown, sig: unknown, core: unknown) =>
        typeof code === 'number' && typeof sig === 'number' ? describeStatus(code, sig, core === 1 ? 1 : 0) : `status ${captureCell(code)}/${captureCell(sig)}`;
      const life = (us: unknown) => (typeof us === 'number' ? formatLifetime(us) : captureCell(us));
      for (const [ts, tid, code, sig, core, thread, us] of rows.slice(0, ctx.perKind)) {
        const who = thread === 0 ? 'process' : `thread ${captureCell(tid)}`;
        out.push(`${ctx.indent}  exit    ${ctx.time(ts)} ${who} ${status(code, sig, core)} after ${life(us)}`);
      }
      return [...out, ...moreLines(rows, 'exit', ctx)];
    },
  },
};
