/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sizes userspace must agree with. Enum constants, not #defines, so they are
 * in the objects' BTF and scripts/gen-layouts.mjs hands them to TypeScript
 * (src/event/generated/skeleton.ts); no dependencies, so native/ includes it too.
 */
#ifndef EBPFSH_LIMITS_H
#define EBPFSH_LIMITS_H

enum ebpfsh_limits {
	MAX_PROBES = 64,	/* probe ids are 1..MAX_PROBES - 1: keys of probe_filters, rows of loss_counts */
	LOSS_STRIDE = 8,	/* slots per probe in loss_counts (enum loss_cause, room to grow) */
	FILTER_ENTRIES = 4096,	/* values per filter set map (uid, gid, pid, comm, cgroup), all probes together */
	FOLLOW_ENTRIES = 65536,	/* processes the followed map can hold */
	FOLLOW_SLOTS = 64,	/* follow roots at once: bits of probe_filter.follow_mask */
};

#endif /* EBPFSH_LIMITS_H */
