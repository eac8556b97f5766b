import { FilterError } from '../../event/filter-error.js';

// x86-64/arm64 values (asm-generic); O_ACCMODE is the low two bits.
const FLAGS: [string, number][] = [
  ['O_CREAT', 0o100],
  ['O_EXCL', 0o200],
  ['O_NOCTTY', 0o400],
  ['O_TRUNC', 0o1000],
  ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000],
  ['O_DSYNC', 0o10000],
  ['O_ASYNC', 0o20000],
  ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000],
  ['O_DIRECTORY', 0o200000],
  ['O_NOFOLLOW', 0o400000],
  ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000],
  ['O_SYNC', 0o4010000],
  ['O_PATH', 0o10000000],
  ['O_TMPFILE', 0o20200000],
];
const ACCESS = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'];

let lastFlags = -1;
let lastFlagsText = '';

/** `O_WRONLY|O_CREAT|O_TRUNC` for open flags. */
export function formatOpenFlags(flags: number): string {
  // Opens in a burst mostly share their flags: the last answer is kept (trace formats every event).
  if (flags === lastFlags) return lastFlagsText;
  lastFlags = flags;
  return (lastFlagsText = flagsText(flags));
}

function flagsText(flags: number): string {
  const parts = [ACCESS[flags & 3] ?? 'O_ACCMODE'];
  let rest = flags & ~3;
  for (const [name, bit] of FLAGS) {
    if ((rest & bit) === bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest) parts.push('0x' + rest.toString(16));
  return parts.join('|');
}

/** A `flags=` value: an access mode (O_RDONLY) or a flag bit that must be set. */
export interface FlagTest {
  text: string;
  test(flags: number): boolean;
}

/** Parses `O_CREAT`, `creat`, `O_WRONLY` or a number. */
export function parseFlagTest(value: string): FlagTest {
  const name = value.toUpperCase().startsWith('O_') ? value.toUpperCase() : 'O_' + value.toUpperCase();
  const access = ACCESS.indexOf(name);
  if (access >= 0) return { text: name, test: (f) => (f & 3) === access };
  const bit = FLAGS.find(([n]) => n === name)?.[1];
  if (bit !== undefined) return { text: name, test: (f) => (f & bit) === bit };
  if (/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(value)) {
    const n = Number(value.startsWith('0') && !value.startsWith('0x') ? parseInt(value, 8) : value);
    return { text: value, test: (f) => (f & n) === n };
  }
  throw new FilterError(`flags: unknown flag '${value}' (e.g. flags=O_CREAT, flags=O_WRONLY,O_RDWR)`);
}
