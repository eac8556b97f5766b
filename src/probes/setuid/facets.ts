import { captureCell, captureRet } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { formatCaps, gainedCaps } from './caps.js';
import { askedIds, idText, isGidCall } from './ids.js';

const CAP_FIELDS = ['old_caps', 'new_caps', 'cap_eff', 'cap_prm', 'cap_inh'];

/** `0 (root)` for id 0. */
const who = (id: unknown) => (id === 0 ? '0 (root)' : String(id));

/** What the rest of ebpfsh asks of setuid. */
export const setuidFacets: ProbeFacets = {
  detailValue(field, v) {
    if (CAP_FIELDS.includes(field)) return `${formatCaps(v)} (0x${v.toString(16)})`;
    if (field === 'id1' || field === 'id2' || field === 'id3') return v === -1 ? '-1 (unchanged)' : undefined;
    return undefined;
  },
  completionValues(e, add) {
    add('syscall', String(e.fields.syscall));
    add('to', String(e.fields.new_eff));
  },
  security(e) {
    const f = e.fields;
    const kind = isGidCall(f.syscall) ? 'gid' : 'uid';
    const fsCall = f.syscall === 'setfsuid' || f.syscall === 'setfsgid';
    const ok = fsCall || (f.ret as number) >= 0;
    if (ok && f.new_eff !== f.old_eff && f.syscall !== 'capset')
      return { label: 'privilege', parts: [`${f.syscall}: effective ${kind} ${who(f.old_eff)} -> ${who(f.new_eff)}`] };
    if (ok && f.syscall === 'capset') {
      const gained = gainedCaps(f.old_caps as number, f.new_caps as number);
      if (gained) return { label: 'privilege', parts: [`capset: gained ${formatCaps(gained)}`] };
    }
    if (!ok && askedIds(f).includes(0))
      return { label: 'privilege denied', parts: [`${f.syscall}(${askedIds(f).map(idText).join(', ')}) as ${kind} ${f.old_eff}: ${captureRet(f.ret)}`] };
    return undefined;
  },
  tree: {
    columns: 'ret, syscall, id1, id2, id3, old_eff, new_eff, cap_eff',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, syscall, id1, id2, id3, oldEff, newEff, capEff] of rows.slice(0, ctx.perKind)) {
        const ok = ret === 0 || syscall === 'setfsuid' || syscall === 'setfsgid' ? 'ok' : captureRet(ret);
        const what =
          syscall === 'capset'
            ? `capset(eff=${typeof capEff === 'number' ? formatCaps(capEff) : '?'})`
            : `${captureCell(syscall)}(${[id1, id2, id3].filter((v) => v !== null && v !== undefined).map((v) => (v === -1 ? '-' : captureCell(v))).join(', ')}) eff ${captureCell(oldEff)} -> ${captureCell(newEff)}`;
        out.push(`${ctx.indent}  setuid  ${ctx.time(ts)} ${what} ${ok}`);
      }
      return [...out, ...moreLines(rows, 'setuid', ctx)];
    },
  },
};
