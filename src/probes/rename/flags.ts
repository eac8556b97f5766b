import { RENAME_FLAG_EXCHANGE, RENAME_FLAG_NOREPLACE, RENAME_FLAG_WHITEOUT } from '../../event/generated/skeleton.js';

const NAMES: [number, string][] = [
  [RENAME_FLAG_NOREPLACE, 'RENAME_NOREPLACE'],
  [RENAME_FLAG_EXCHANGE, 'RENAME_EXCHANGE'],
  [RENAME_FLAG_WHITEOUT, 'RENAME_WHITEOUT'],
];

/** renameat2's flags by name (`RENAME_NOREPLACE|RENAME_EXCHANGE`), unknown bits in hex, `0` for none. */
export function formatRenameFlags(flags: number): string {
  const names: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of NAMES) {
    if (!(rest & bit)) continue;
    names.push(name);
    rest &= ~bit;
  }
  if (rest) names.push(`0x${(rest >>> 0).toString(16)}`);
  return names.length ? names.join('|') : '0';
}
