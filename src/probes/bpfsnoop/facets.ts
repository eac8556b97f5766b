import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ByteString } from '../../event/index.js';
import type { ProbeFacets } from '../types.js';
import { BPF_CMD, cmdName } from './names.js';

/** What the rest of ebpfsh asks of bpfsnoop. */
export const bpfsnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'cmd') return cmdName(v);
    return undefined;
  },
  completionValues(e, add) {
    add('cmd', String(e.fields.cmd_name).replace(/^BPF_/, ''));
  },
  security(e) {
    const f = e.fields;
    if (f.cmd !== BPF_CMD.BPF_PROG_LOAD || (f.ret as number) < 0) return undefined;
    const name = f.name === null ? ['?'] : [{ data: f.name as ByteString }];
    return { label: 'bpf load', parts: [`${f.prog_type ?? 'program'} "`, ...name, `" ${f.insn_cnt ?? '?'} insns, fd ${f.ret}`] };
  },
  tree: {
    columns: 'ret, cmd_name, prog_type, map_type, name',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, cmd, progType, mapType, name] of rows.slice(0, ctx.perKind)) {
        const type = progType ?? mapType;
        const what = `${captureText(cmd)}${type ? ' ' + captureText(type) : ''}${name !== null && name !== undefined ? ' "' + captureText(name) + '"' : ''}`;
        out.push(`${ctx.indent}  bpf     ${ctx.time(ts)} ${what} ${typeof ret === 'number' && ret >= 0 ? captureCell(ret) : captureRet(ret)}`);
      }
      return [...out, ...moreLines(rows, 'bpf', ctx)];
    },
  },
};
