import { FilterError } from '../../event/filter-error.js';

/** The permission bits chmod applies (S_IALLUGO); the kernel ignores the rest of the argument. */
export const MODE_BITS = 0o7777;
const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const S_ISVTX = 0o1000;

/** `rwsr-xr-x` for 04755, as `ls -l` shows it without the type letter (s/S, t/T for the special bits). */
export function formatMode(mode: number): string {
  const triad = (shift: number, special: number, on: string, off: string) => {
    const p = (mode >> shift) & 7;
    const x = p & 1 ? 'x' : '-';
    return (p & 4 ? 'r' : '-') + (p & 2 ? 'w' : '-') + (mode & special ? (x === 'x' ? on : off) : x);
  };
  return triad(6, S_ISUID, 's', 'S') + triad(3, S_ISGID, 's', 'S') + triad(0, S_ISVTX, 't', 'T');
}

/** `04755` for a mode: the octal digits chmod(1) takes. */
export const formatOctal = (mode: number): string => '0' + (mode & MODE_BITS).toString(8).padStart(3, '0');

/** The special bits set in a mode, `setuid,setgid,sticky` order; empty when none. */
export function specialBits(mode: number): string {
  const out: string[] = [];
  if (mode & S_ISUID) out.push('setuid');
  if (mode & S_ISGID) out.push('setgid');
  if (mode & S_ISVTX) out.push('sticky');
  return out.join(',');
}

/** A `mode=` value: a set of bits of which any must be set, or an exact mode. */
export interface ModeTest {
  text: string;
  test(mode: number): boolean;
}

const PERM: Record<string, Record<string, number>> = {
  r: { u: 0o400, g: 0o040, o: 0o004 },
  w: { u: 0o200, g: 0o020, o: 0o002 },
  x: { u: 0o100, g: 0o010, o: 0o001 },
  s: { u: S_ISUID, g: S_ISGID },
  t: { u: S_ISVTX, g: S_ISVTX, o: S_ISVTX },
};

const EXAMPLES = 'e.g. mode=+s (setuid or setgid), mode=u+s, mode=o+w, mode=+t or mode=4755';

/**
 * Parses `+s` (setuid or setgid), `u+s`, `g+s`, `+x` (any execute bit),
 * `o+w`, `+t` (sticky): one permission letter after optional classes
 * (u, g, o, a; none means all), matching when any of the bits it names is
 * set; or an octal mode (`4755`, `0644`) matching the permission bits exactly.
 */
export function parseModeTest(value: string): ModeTest {
  const octal = /^(?:0o)?([0-7]{1,5})$/i.exec(value);
  if (octal) {
    const want = parseInt(octal[1]!, 8);
    if (want > MODE_BITS) throw new FilterError(`mode: '${value}' is over 07777 (${EXAMPLES})`);
    return { text: value, test: (m) => (m & MODE_BITS) === want };
  }
  const sym = /^([ugoa]*)\+([rwxst])$/.exec(value);
  if (!sym) throw new FilterError(`mode: '${value}' is neither an octal mode nor one [ugoa]+[rwxst] test (${EXAMPLES})`);
  const who = sym[1]!.replace(/a/g, '') || 'ugo';
  let bits = 0;
  for (const c of who) bits |= PERM[sym[2]!]![c] ?? 0;
  if (!bits) throw new FilterError(`mode: '${value}' names no bit (o+s is not a mode bit; ${EXAMPLES})`);
  return { text: value, test: (m) => (m & bits) !== 0 };
}

/** `A|B|0x8` for a value made of the named bits; `0` when none. */
export function formatBits(value: number, names: readonly (readonly [string, number])[]): string {
  const parts: string[] = [];
  let rest = value;
  for (const [name, bit] of names) {
    if ((rest & bit) === bit && bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest) parts.push('0x' + (rest >>> 0).toString(16));
  return parts.length ? parts.join('|') : '0';
}
