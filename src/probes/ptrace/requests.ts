import { FilterError } from '../../event/filter-error.js';

// ptrace request numbers are ABI (linux/ptrace.h; 12-19 and 25-33 are x86's asm/ptrace-abi.h);
// they are #defines, so the kernel's BTF has no enum of them.
const REQUESTS: [string, number][] = [
  ['PTRACE_TRACEME', 0],
  ['PTRACE_PEEKTEXT', 1],
  ['PTRACE_PEEKDATA', 2],
  ['PTRACE_PEEKUSR', 3],
  ['PTRACE_POKETEXT', 4],
  ['PTRACE_POKEDATA', 5],
  ['PTRACE_POKEUSR', 6],
  ['PTRACE_CONT', 7],
  ['PTRACE_KILL', 8],
  ['PTRACE_SINGLESTEP', 9],
  ['PTRACE_GETREGS', 12],
  ['PTRACE_SETREGS', 13],
  ['PTRACE_GETFPREGS', 14],
  ['PTRACE_SETFPREGS', 15],
  ['PTRACE_ATTACH', 16],
  ['PTRACE_DETACH', 17],
  ['PTRACE_GETFPXREGS', 18],
  ['PTRACE_SETFPXREGS', 19],
  ['PTRACE_SYSCALL', 24],
  ['PTRACE_GET_THREAD_AREA', 25],
  ['PTRACE_SET_THREAD_AREA', 26],
  ['PTRACE_ARCH_PRCTL', 30],
  ['PTRACE_SYSEMU', 31],
  ['PTRACE_SYSEMU_SINGLESTEP', 32],
  ['PTRACE_SINGLEBLOCK', 33],
  ['PTRACE_SETOPTIONS', 0x4200],
  ['PTRACE_GETEVENTMSG', 0x4201],
  ['PTRACE_GETSIGINFO', 0x4202],
  ['PTRACE_SETSIGINFO', 0x4203],
  ['PTRACE_GETREGSET', 0x4204],
  ['PTRACE_SETREGSET', 0x4205],
  ['PTRACE_SEIZE', 0x4206],
  ['PTRACE_INTERRUPT', 0x4207],
  ['PTRACE_LISTEN', 0x4208],
  ['PTRACE_PEEKSIGINFO', 0x4209],
  ['PTRACE_GETSIGMASK', 0x420a],
  ['PTRACE_SETSIGMASK', 0x420b],
  ['PTRACE_SECCOMP_GET_FILTER', 0x420c],
  ['PTRACE_SECCOMP_GET_METADATA', 0x420d],
  ['PTRACE_GET_SYSCALL_INFO', 0x420e],
  ['PTRACE_GET_RSEQ_CONFIGURATION', 0x420f],
  ['PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG', 0x4210],
  ['PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG', 0x4211],
  ['PTRACE_SET_SYSCALL_INFO', 0x4212],
];
const BY_NUMBER = new Map(REQUESTS.map(([n, v]) => [v, n]));
const BY_NAME = new Map(REQUESTS);

/** Requests that take hold of a process. */
export const TAKE_HOLD = new Set([BY_NAME.get('PTRACE_ATTACH')!, BY_NAME.get('PTRACE_SEIZE')!]);
/** Requests that write a tracee's memory or registers. */
export const WRITES = new Set(
  ['PTRACE_POKETEXT', 'PTRACE_POKEDATA', 'PTRACE_POKEUSR', 'PTRACE_SETREGS', 'PTRACE_SETFPREGS', 'PTRACE_SETFPXREGS', 'PTRACE_SETREGSET'].map((n) => BY_NAME.get(n)!),
);

/** Requests that write one word (`data`) at `addr`. */
export const POKES = new Set(['PTRACE_POKETEXT', 'PTRACE_POKEDATA', 'PTRACE_POKEUSR'].map((n) => BY_NAME.get(n)!));

/** `PTRACE_ATTACH` for 16, `PTRACE_0x1234` for a request this table does not know. */
export function requestName(n: number): string {
  return BY_NUMBER.get(n) ?? `PTRACE_0x${n.toString(16)}`;
}

/** The number of `ATTACH`, `ptrace_attach`, `PTRACE_SEIZE` or a number. */
export function parseRequest(value: string): number {
  const up = value.toUpperCase();
  const n = BY_NAME.get(up.startsWith('PTRACE_') ? up : 'PTRACE_' + up);
  if (n !== undefined) return n;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(value)) return Number(value);
  throw new FilterError(`request: '${value}' is not a ptrace request (e.g. request=ATTACH, request=PTRACE_POKEDATA,SEIZE)`);
}

/** Every request name, for completion and help. */
export const REQUEST_NAMES = REQUESTS.map(([n]) => n);
