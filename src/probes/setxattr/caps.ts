/**
 * File capabilities as the kernel stores them in `security.capability`
 * (struct vfs_cap_data, struct vfs_ns_cap_data): little-endian, a magic word
 * (revision and the effective bit), then permitted and inheritable sets as
 * 32-bit halves, and for revision 3 the namespace's root uid.
 */

/**
 * Capability names by number (include/uapi/linux/capability.h): ABI, and not
 * in the kernel's BTF (they are #defines), so they are listed here.
 */
export const CAP_NAMES: readonly string[] = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw',
  'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct',
  'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod',
  'cap_lease', 'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/** The xattr holding a file's capabilities. */
export const CAPS_XATTR = 'security.capability';

const REVISION_MASK = 0xff00_0000;
const EFFECTIVE = 0x0000_0001;
/** Bytes of each revision's struct, by revision number (VFS_CAP_REVISION_1..3 >> 24). */
const SIZES: Record<number, number> = { 1: 12, 2: 20, 3: 24 };

/** A decoded security.capability value. */
export interface FileCaps {
  /** 1, 2 or 3 (3: namespaced, with a root uid). */
  version: number;
  /** Capability numbers in each set, ascending. */
  permitted: number[];
  inheritable: number[];
  /** The effective bit: the permitted (and inherited) set is raised at exec. */
  effective: boolean;
  /** Revision 3 only: the uid that is root in the namespace the caps are for. */
  rootid: number | null;
}

/** The numbers of the bits set in a 64-bit set given as two 32-bit halves. */
function bitsOf(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 32; i++) if ((lo >>> i) & 1) out.push(i);
  for (let i = 0; i < 32; i++) if ((hi >>> i) & 1) out.push(32 + i);
  return out;
}

/** Decodes a security.capability value (or its first bytes); undefined when it is no revision 1-3 struct or too short for its revision. */
export function decodeFileCaps(bytes: Uint8Array): FileCaps | undefined {
  if (bytes.length < 4) return undefined;
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = b.readUInt32LE(0);
  const version = (magic & REVISION_MASK) >>> 24;
  const size = SIZES[version];
  if (size === undefined || bytes.length < size) return undefined;
  const half = (i: number) => b.readUInt32LE(4 + i * 4);
  // revision 1 has 32-bit sets: data[0] only
  const hi = (i: number) => (version === 1 ? 0 : half(i));
  return {
    version,
    permitted: bitsOf(half(0), hi(2)),
    inheritable: bitsOf(half(1), hi(3)),
    effective: (magic & EFFECTIVE) !== 0,
    rootid: version === 3 ? b.readUInt32LE(20) : null,
  };
}

/** `cap_net_raw` for 13; `cap_63` for a number this table does not name. */
export const capName = (n: number): string => CAP_NAMES[n] ?? `cap_${n}`;

/** Names of a set, comma-separated (empty when none). */
export const capSetNames = (set: readonly number[]): string => set.map(capName).join(',');

/**
 * The capabilities as getcap(8) writes them: caps grouped by their flags,
 * `cap_net_raw=ep`, `cap_chown,cap_kill=eip cap_bpf=i`, plus ` [rootid=N]`
 * for revision 3; `=` when no set holds anything.
 */
export function formatFileCaps(c: FileCaps): string {
  const groups = new Map<string, number[]>();
  for (let n = 0; n < 64; n++) {
    const p = c.permitted.includes(n);
    const i = c.inheritable.includes(n);
    if (!p && !i) continue;
    const flags = (c.effective ? 'e' : '') + (i ? 'i' : '') + (p ? 'p' : '');
    groups.set(flags, [...(groups.get(flags) ?? []), n]);
  }
  const text = groups.size ? [...groups].map(([flags, caps]) => `${capSetNames(caps)}=${flags}`).join(' ') : '=';
  return c.rootid === null ? text : `${text} [rootid=${c.rootid}]`;
}
