import { UNLINK_AT_REMOVEDIR } from '../../event/generated/skeleton.js';

/** unlinkat's flags by name (`AT_REMOVEDIR`), unknown bits in hex, `0` for none. */
export function formatUnlinkFlags(flags: number): string {
  const names: string[] = [];
  if (flags & UNLINK_AT_REMOVEDIR) names.push('AT_REMOVEDIR');
  const rest = (flags & ~UNLINK_AT_REMOVEDIR) >>> 0;
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : '0';
}
