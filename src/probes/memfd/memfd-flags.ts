import { FilterError } from '../../event/filter-error.js';

// memfd_create flags (include/uapi/linux/memfd.h); the hugetlb page size sits in bits 26-31.
const FLAGS: [string, number][] = [
  ['MFD_CLOEXEC', 0x1],
  ['MFD_ALLOW_SEALING', 0x2],
  ['MFD_HUGETLB', 0x4],
  ['MFD_NOEXEC_SEAL', 0x8],
  ['MFD_EXEC', 0x10],
];
const HUGE_SHIFT = 26;
const HUGE_MASK = 0x3f;

/** `MFD_CLOEXEC|MFD_ALLOW_SEALING` for memfd_create flags; 0 is `0`, unknown bits as hex, a hugetlb size as `MFD_HUGE_2MB`. */
export function formatMemfdFlags(flags: number): string {
  const parts: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of FLAGS) {
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  const huge = (rest >>> HUGE_SHIFT) & HUGE_MASK;
  if (huge && flags & 0x4) {
    const bytes = 2 ** huge;
    parts.push(`MFD_HUGE_${bytes >= 2 ** 30 ? `${bytes / 2 ** 30}GB` : bytes >= 2 ** 20 ? `${bytes / 2 ** 20}MB` : `${bytes / 1024}KB`}`);
    rest &= ~(HUGE_MASK << HUGE_SHIFT);
  }
  rest >>>= 0;
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.length ? parts.join('|') : '0';
}

/** A `flags=` value: one MFD_ flag that must be set. */
export function parseMemfdFlag(value: string): number {
  const v = value.toUpperCase();
  const hit = FLAGS.find(([name]) => name === v || name === `MFD_${v}`);
  if (!hit) throw new FilterError(`flags: '${value}' is not a memfd_create flag (${FLAGS.map(([n]) => n).join(', ')}; e.g. flags=MFD_EXEC)`);
  return hit[1];
}
