/** `-` for -1 (unchanged), else the id. */
export const idText = (v: unknown) => (v === -1 ? '-' : String(v));

/** The asked ids of an event (those the syscall takes), -1 for "unchanged". */
export function askedIds(f: Record<string, unknown>): number[] {
  return [f.id1, f.id2, f.id3].filter((v): v is number => typeof v === 'number');
}

/** True for set*gid events (their ids are group ids). */
export const isGidCall = (syscall: unknown) => typeof syscall === 'string' && syscall.startsWith('set') && syscall.endsWith('gid');
