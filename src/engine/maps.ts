// What the engine must agree on with the BPF objects, taken from the skeleton
// scripts/gen-layouts.mjs generates from their BTF: a name or value that
// drifts from bpf/lib/ is a compile error, not a failed map lookup at run time.
import { ENUMS, FILTER_EXCLUDE, FILTER_INCLUDE, FOLLOW_SLOTS, LOSS_STRIDE, MAX_PROBES, SHARED_MAP_NAMES } from '../event/generated/skeleton.js';

/** Names of the maps bpf/lib/ declares; every probe object shares them. */
export const MAPS = {
  events: SHARED_MAP_NAMES.events,
  probeFilters: SHARED_MAP_NAMES.probe_filters,
  uid: SHARED_MAP_NAMES.filter_uid,
  gid: SHARED_MAP_NAMES.filter_gid,
  pid: SHARED_MAP_NAMES.filter_pid,
  comm: SHARED_MAP_NAMES.filter_comm,
  cgroup: SHARED_MAP_NAMES.filter_cgroup,
  followed: SHARED_MAP_NAMES.followed,
  losses: SHARED_MAP_NAMES.loss_counts,
} as const;

/** Every shared map, as the native loader wants them. */
export const SHARED_MAPS: string[] = Object.values(SHARED_MAP_NAMES);

/** `LOSS_RINGBUF_FULL` -> `ringbuf_full`: the cause names captures store. */
type CauseName<K> = K extends `LOSS_${infer N}` ? Lowercase<N> : never;

/** Kernel loss causes, in `enum loss_cause` order (bpf/lib/emit.h); LOSS_STRIDE slots per probe. */
export const KERNEL_LOSS_CAUSES = Object.keys(ENUMS.loss_cause).map((k) => k.replace(/^LOSS_/, '').toLowerCase()) as CauseName<
  keyof typeof ENUMS.loss_cause
>[];

/** Slots per probe in loss_counts; the most probes a session has; follow roots at once (bits of follow_mask). */
export { LOSS_STRIDE, MAX_PROBES, FOLLOW_SLOTS };

/** `enum filter_mode` in bpf/lib/filter.h. */
export { FILTER_INCLUDE, FILTER_EXCLUDE };
