/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-kernel filter: per-probe settings, the value sets they point to and
 * the followed set, checked by should_trace() before any ring space is reserved.
 */
#ifndef EBPFSH_FILTER_H
#define EBPFSH_FILTER_H

#include "event.h"

enum filter_mode {
	FILTER_OFF = 0,
	FILTER_INCLUDE = 1,
	FILTER_EXCLUDE = 2,
};

/*
 * Per-probe filter; active=0 drops everything. The value sets are keyed by
 * (probe, gen): a change writes the new sets under the next generation, then
 * swaps in a new probe_filter (see probe_filters), then deletes the old
 * generation.
 */
struct probe_filter {
	__u8 active;
	__u8 uid_mode;		/* enum filter_mode, as each *_mode */
	__u8 gid_mode;
	__u8 pid_mode;
	__u8 comm_mode;
	__u8 cgroup_mode;
	__u8 pad[2];
	__u64 follow_mask;	/* bit i: descendants of follow root slot i (FOLLOW_SLOTS bits) */
	__u32 gen;		/* generation of the value sets in use */
	__u32 instance;		/* the loaded object this entry turns on (targ_instance) */
};

_Static_assert(sizeof(((struct probe_filter *)0)->follow_mask) * 8 == FOLLOW_SLOTS,
	       "FOLLOW_SLOTS is the width of follow_mask");

struct filter_u32_key {
	__u32 probe;
	__u32 gen;
	__u32 value;
};

struct filter_u64_key {
	__u32 probe;
	__u32 gen;
	__u64 value;
};

struct filter_comm_key {
	__u32 probe;
	__u32 gen;
	char comm[TASK_COMM_LEN];
};

/*
 * One probe's filter, in a map of its own: a change is a new map, never a
 * write. Sized, not typed: clang would give the inner map's value type only
 * as a forward declaration, which libbpf cannot size (bpf/lib/exports.h
 * exports the struct for userspace).
 */
struct probe_filter_slot {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct probe_filter));
};

/*
 * Probe id -> its probe_filter_slot. Userspace fills a fresh slot and swaps
 * it in with one update, so a program sees the old filter or the new one,
 * never a mix; the kernel frees the old slot once no program holds it. Both
 * lookups are array lookups the verifier inlines: ~40 ns less per event than
 * the hash map this was.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__array(values, struct probe_filter_slot);
} probe_filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_ENTRIES);
	__type(key, struct filter_u32_key);
	__type(value, __u8);
} filter_uid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_ENTRIES);
	__type(key, struct filter_u32_key);
	__type(value, __u8);
} filter_gid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_ENTRIES);
	__type(key, struct filter_u32_key);
	__type(value, __u8);
} filter_pid SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_ENTRIES);
	__type(key, struct filter_comm_key);
	__type(value, __u8);
} filter_comm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FILTER_ENTRIES);
	__type(key, struct filter_u64_key);
	__type(value, __u8);
} filter_cgroup SEC(".maps");

/* tgid -> mask of follow root slots it descends from (kept by probes/follow.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} followed SEC(".maps");

/* The probe's filter in force, or NULL while it has none. */
static __always_inline struct probe_filter *probe_filter_of(__u32 probe)
{
	__u32 zero = 0;
	void *slot = bpf_map_lookup_elem(&probe_filters, &probe);

	return slot ? bpf_map_lookup_elem(slot, &zero) : NULL;
}

static __always_inline bool set_matches(void *map, void *key, __u8 mode)
{
	bool found = bpf_map_lookup_elem(map, key) != NULL;

	return mode == FILTER_INCLUDE ? found : !found;
}

/*
 * The in-kernel filter, for the current task (whose tgid is `tgid`). Cheap
 * checks first; each enabled key costs one hash lookup. Runs before ring
 * space is reserved.
 */
static __always_inline bool should_trace_tgid(__u32 tgid)
{
	__u32 probe = targ_probe_id;
	struct probe_filter *f;
	__u32 gen;

	if (tgid == targ_self_tgid)
		return false;
	f = probe_filter_of(probe);
	/*
	 * Only the object the entry names: a detached object's links are torn
	 * down after detach returns (each waits out a grace period), and must
	 * stay silent if the probe is attached again meanwhile.
	 */
	if (!f || !f->active || f->instance != targ_instance)
		return false;
	gen = f->gen;
	if (f->pid_mode) {
		struct filter_u32_key k = { .probe = probe, .gen = gen, .value = tgid };

		if (!set_matches(&filter_pid, &k, f->pid_mode))
			return false;
	}
	if (f->uid_mode || f->gid_mode) {
		__u64 ug = bpf_get_current_uid_gid();
		struct filter_u32_key k = { .probe = probe, .gen = gen };

		if (f->uid_mode) {
			k.value = (__u32)ug;
			if (!set_matches(&filter_uid, &k, f->uid_mode))
				return false;
		}
		if (f->gid_mode) {
			k.value = ug >> 32;
			if (!set_matches(&filter_gid, &k, f->gid_mode))
				return false;
		}
	}
	if (f->comm_mode) {
		struct filter_comm_key k = { .probe = probe, .gen = gen };

		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!set_matches(&filter_comm, &k, f->comm_mode))
			return false;
	}
	if (f->cgroup_mode) {
		struct filter_u64_key k = { .probe = probe, .gen = gen };

		k.value = bpf_get_current_cgroup_id();
		if (!set_matches(&filter_cgroup, &k, f->cgroup_mode))
			return false;
	}
	if (f->follow_mask) {
		__u64 *mask = bpf_map_lookup_elem(&followed, &tgid);

		if (!mask || !(*mask & f->follow_mask))
			return false;
	}
	return true;
}

static __always_inline bool should_trace(void)
{
	return should_trace_tgid(bpf_get_current_pid_tgid() >> 32);
}

/* should_trace for a program that holds the current task's BTF pointer: a load instead of a helper call. */
static __always_inline bool should_trace_task(struct task_struct *task)
{
	return should_trace_tgid(task->tgid);
}

#endif /* EBPFSH_FILTER_H */
