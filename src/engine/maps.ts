/** Names of the maps bpf/common.h declares; every probe object shares them. */
export const MAPS = {
  events: 'events',
  probeFilters: 'probe_filters',
  uid: 'filter_uid',
  gid: 'filter_gid',
  pid: 'filter_pid',
  comm: 'filter_comm',
  cgroup: 'filter_cgroup',
  followed: 'followed',
  losses: 'loss_counts',
} as const;

/** Every shared map, as the native loader wants them. */
export const SHARED_MAPS: string[] = Object.values(MAPS);

/** Kernel loss causes, in `enum loss_cause` order (bpf/common.h); LOSS_STRIDE slots per probe. */
export const KERNEL_LOSS_CAUSES = ['ringbuf_full', 'string_fault', 'truncated', 'pending_full', 'follow_full'] as const;
export const LOSS_STRIDE = 8;
export const MAX_PROBES = 64;

/** `enum filter_mode` in bpf/common.h. */
export const FILTER_INCLUDE = 1;
export const FILTER_EXCLUDE = 2;
