import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ByteString } from '../../event/index.js';
import type { ProbeFacets } from '../types.js';
import { POKES, TAKE_HOLD, WRITES, requestName } from './requests.js';

/** What the rest of ebpfsh asks of ptrace. */
export const ptraceFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'request') return requestName(v);
    return undefined;
  },
  completionValues(e, add) {
    if (typeof e.fields.request_name === 'string') add('request', e.fields.request_name.replace(/^PTRACE_/, ''));
    add('target', String(e.fields.target));
  },
  security(e) {
    const f = e.fields;
    if ((f.ret as number) < 0) return undefined;
    const target = [` ${f.target} (`, f.target_comm === null ? '?' : { data: f.target_comm as ByteString }, ')'];
    if (f.syscall === 'process_vm_writev') return { label: 'injection', parts: ['process_vm_writev into', ...target, ` ${f.ret} bytes`] };
    const req = f.request as number | null;
    if (req !== null && TAKE_HOLD.has(req)) return { label: 'ptrace', parts: [`${f.request_name}`, ...target] };
    if (req !== null && WRITES.has(req)) return { label: 'injection', parts: [`${f.request_name}`, ...target, ` addr=${f.addr}${POKES.has(req) ? ` data=${f.data}` : ''}`] };
    return undefined;
  },
  tree: {
    columns: 'ret, syscall, request_name, target, target_comm, bytes',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, syscall, req, target, comm, bytes] of rows.slice(0, ctx.perKind)) {
        const what = syscall === 'ptrace' ? captureText(req) : `${captureText(syscall)} ${captureCell(bytes)} bytes`;
        const ok = typeof ret === 'number' && ret >= 0 ? 'ok' : captureRet(ret);
        out.push(`${ctx.indent}  ptrace  ${ctx.time(ts)} ${what} ${captureCell(target)} (${comm === null ? '?' : captureText(comm)}) ${ok}`);
      }
      return [...out, ...moreLines(rows, 'ptrace', ctx)];
    },
  },
};
