// Capability numbers are ABI (linux/capability.h); the kernel's BTF has no enum of them.
const NAMES = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw', 'cap_ipc_lock',
  'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct', 'cap_sys_admin',
  'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod', 'cap_lease',
  'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog', 'cap_wake_alarm',
  'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/** Every capability this table knows, as a mask (what root holds). */
export const ALL_CAPS = 2 ** NAMES.length - 1;

/** The capability numbers set in `mask` (a u64 below 2^53, as decoded). */
function bits(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 53 && 2 ** i <= mask; i++) if (Math.floor(mask / 2 ** i) % 2 === 1) out.push(i);
  return out;
}

/** `cap_sys_admin,cap_net_raw`; `all` for every known one (and no other), `all except cap_x` for most, `none` for 0. */
export function formatCaps(mask: number): string {
  if (mask === 0) return 'none';
  if (mask === ALL_CAPS) return 'all';
  const set = bits(mask);
  // most of them (root in a container, a service with a few dropped): the few missing say more
  if (set.length > NAMES.length / 2 && set.every((b) => b < NAMES.length))
    return 'all except ' + NAMES.filter((_, i) => !set.includes(i)).join(',');
  return set.map((b) => NAMES[b] ?? `cap_${b}`).join(',');
}

/** The capabilities in `after` that are not in `before`. */
export function gainedCaps(before: number, after: number): number {
  return bits(after).filter((b) => !bits(before).includes(b)).reduce((m, b) => m + 2 ** b, 0);
}

/** The number of `cap_sys_admin` / `sys_admin` / `CAP_SYS_ADMIN`, or undefined. */
export function capNumber(name: string): number | undefined {
  const n = name.toLowerCase();
  const i = NAMES.indexOf(n.startsWith('cap_') ? n : 'cap_' + n);
  return i >= 0 ? i : undefined;
}
