import { constants } from 'node:os';

const names = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) if (!names.has(value)) names.set(value, name);

/** `ENOENT` for 2 (or `E123` when unknown). */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

/** Shows a syscall result: the value itself, or the errno name when negative. */
export function formatRet(ret: number): string {
  return ret < 0 ? errnoName(-ret) : String(ret);
}
