import { formatRet } from '../../text/index.js';
import type { FieldValue } from '../../event/index.js';
import { endpoint, socketKind } from '../socket-addr.js';
import type { DescribePart } from '../types.js';

const STDIO = ['stdin', 'stdout', 'stderr'];

/** The line of a dup event, shared with the security facet. */
export function describeDup(f: Record<string, FieldValue>): DescribePart[] {
  const fd = STDIO[f.newfd as number] ?? `fd ${f.newfd}`;
  const outcome = (f.ret as number) < 0 ? ` ${formatRet(f.ret as number)}` : '';
  return [`${fd} <- fd ${f.oldfd} ${socketKind(f)} `, ...endpoint(f, 'l'), ' -> ', ...endpoint(f, 'r'), ` (${f.syscall})${outcome}`];
}

