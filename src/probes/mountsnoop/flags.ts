import { ENUMS, MS_MGC_MSK, MS_MGC_VAL } from '../../event/generated/skeleton.js';

/** `A|B|0x40` for the bits of `value` named by `names` (an exported enum of single bits); `0` when none is set. */
export function flagNames(value: number, names: Readonly<Record<string, number>>): string {
  let rest = BigInt(value);
  const out: string[] = [];
  for (const [name, bit] of Object.entries(names)) {
    const b = BigInt(bit);
    if (b !== 0n && (rest & b) === b) {
      out.push(name);
      rest &= ~b;
    }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out.length ? out.join('|') : '0';
}

/** mount(2)'s flags without the old magic number the kernel ignores (MS_MGC_VAL in the high 16 bits). */
export function msFlags(value: number): number {
  const v = BigInt(value);
  return Number((v & BigInt(MS_MGC_MSK)) === BigInt(MS_MGC_VAL) ? v & ~BigInt(MS_MGC_MSK) : v);
}

/** mount(2) flags by name: `MS_BIND|MS_REC`. */
export const formatMsFlags = (v: number) => flagNames(msFlags(v), ENUMS.mount_ms_flags);

/** fsmount(2) attr_flags by name: `MOUNT_ATTR_NOSUID|MOUNT_ATTR_NODEV`. */
export const formatAttrFlags = (v: number) => flagNames(v, ENUMS.mount_attr_flags);

/** The flags argument of umount2, move_mount, fsopen or fsmount, by name for that call. */
export function formatOpFlags(syscall: string, v: number): string {
  switch (syscall) {
    case 'umount2':
      return flagNames(v, ENUMS.mount_umount_flags);
    case 'move_mount':
      return flagNames(v, ENUMS.mount_move_flags);
    case 'fsopen':
      return flagNames(v, { FSOPEN_CLOEXEC: ENUMS.mount_fd_flags.FSOPEN_CLOEXEC });
    case 'fsmount':
      return flagNames(v, { FSMOUNT_CLOEXEC: ENUMS.mount_fd_flags.FSMOUNT_CLOEXEC });
    default:
      return `0x${v.toString(16)}`;
  }
}
