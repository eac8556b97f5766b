/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every ebpfsh probe shares: the event header, the in-kernel filter
 * (checked before any ring space is reserved), loss counters and the emit path.
 * Maps declared here are created once per session and reused by name by every
 * probe object (see native/src/session.cc), so there is one ring buffer.
 */
#ifndef EBPFSH_COMMON_H
#define EBPFSH_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "event_header.h"

#define MAX_PROBES	64
#define FILTER_ENTRIES	4096
#define FOLLOW_ENTRIES	65536

/*
 * Loss causes counted in the kernel; userspace adds its own after these.
 * Every event that reaches a hook (and passes the filter) is delivered or
 * counted under exactly one cause: RINGBUF_FULL, PENDING_FULL and FOLLOW_FULL
 * count events that were not delivered; STRING_FAULT and TRUNCATED count
 * delivered events that are damaged (flagged on the event), once per event,
 * and only once it was delivered.
 */
enum loss_cause {
	LOSS_RINGBUF_FULL = 0,
	LOSS_STRING_FAULT = 1,	/* delivered: a string could not be read */
	LOSS_TRUNCATED = 2,	/* delivered: a field was cut to fit */
	LOSS_PENDING_FULL = 3,	/* a syscall in flight could not be tracked (its map was full) */
	LOSS_FOLLOW_FULL = 4,	/* a new process could not be followed (the follow map was full) */
	LOSS_CAUSES = 8,	/* slots per probe in loss_counts */
};

enum filter_mode {
	FILTER_OFF = 0,
	FILTER_INCLUDE = 1,
	FILTER_EXCLUDE = 2,
};

/*
 * Per-probe filter, keyed by probe id; active=0 drops everything. The value
 * sets are keyed by (probe, gen): a change writes the new sets under the next
 * generation, then replaces this entry in one update (a hash map without
 * preallocation swaps in a new element under RCU, so a program sees the old
 * entry or the new one, never a mix), then deletes the old generation.
 */
struct probe_filter {
	__u8 active;
	__u8 uid_mode;
	__u8 gid_mode;
	__u8 pid_mode;
	__u8 comm_mode;
	__u8 cgroup_mode;
	__u8 pad[2];
	__u64 follow_mask;	/* bit i: descendants of follow root slot i */
	__u32 gen;		/* generation of the value sets in use */
	__u32 pad2;
};

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

/* Load-time config, set by the engine per object before load. */
const volatile __u32 targ_probe_id = 0;
const volatile __u32 targ_self_tgid = 0;
const volatile __u64 targ_wakeup_bytes = 256 * 1024;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_PROBES);
	__type(key, __u32);
	__type(value, struct probe_filter);
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

/* tgid -> mask of follow root slots it descends from (kept by follow.bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FOLLOW_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} followed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PROBES * LOSS_CAUSES);
	__type(key, __u32);
	__type(value, __u64);
} loss_counts SEC(".maps");

/*
 * A per-CPU buffer to build a variable-length record in (the BPF stack holds
 * 512 bytes); each probe declares its own with DEFINE_SCRATCH(name), so two
 * probes never write into one buffer. A record uses [0, SCRATCH_WALK) and a
 * path walk (build_path) the 2 * PATH_MAX_LEN bytes from SCRATCH_WALK, so the
 * two never overlap. 32 KiB is the largest per-CPU value the kernel allows.
 */
#define SCRATCH_SIZE	32768
#define SCRATCH_WALK	20480

struct scratch {
	char buf[SCRATCH_SIZE];
};

#define DEFINE_SCRATCH(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);	\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, struct scratch);			\
	} name SEC(".maps")

/* This CPU's scratch buffer of `map` (NULL never happens for index 0, but the verifier wants the check). */
static __always_inline void *scratch_of(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

static __always_inline void count_loss_for(__u32 probe, enum loss_cause cause)
{
	__u32 key = probe * LOSS_CAUSES + cause;
	__u64 *n = bpf_map_lookup_elem(&loss_counts, &key);

	if (n)
		*n += 1;
}

static __always_inline void count_loss(enum loss_cause cause)
{
	count_loss_for(targ_probe_id, cause);
}

static __always_inline bool set_matches(void *map, void *key, __u8 mode)
{
	bool found = bpf_map_lookup_elem(map, key) != NULL;

	return mode == FILTER_INCLUDE ? found : !found;
}

/*
 * The in-kernel filter, for the current task. Cheap checks first; each
 * enabled key costs one hash lookup. Runs before ring space is reserved.
 */
static __always_inline bool should_trace(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 probe = targ_probe_id;
	struct probe_filter *f;
	__u32 gen;

	if (tgid == targ_self_tgid)
		return false;
	f = bpf_map_lookup_elem(&probe_filters, &probe);
	if (!f || !f->active)
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

/* Fill the header from the current task (process context only). */
static __always_inline void fill_header(struct event_header *h, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct pid *tgid_pid;
	struct upid upid = {};
	unsigned int level;

	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->probe_id = targ_probe_id;
	h->kind = kind;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	tgid_pid = BPF_CORE_READ(task, group_leader, thread_pid);
	level = BPF_CORE_READ(tgid_pid, level);
	bpf_core_read(&upid, sizeof(upid), &tgid_pid->numbers[level]);
	h->ns_tgid = upid.nr;
	h->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/*
 * Submit without waking the reader unless a lot is pending: the reader also
 * drains on a short timer, and per-event wakeups cost ~6 us per event here.
 */
static __always_inline bool emit(void *data, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= targ_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, data, size, flags)) {
		count_loss(LOSS_RINGBUF_FULL);
		return false;
	}
	return true;
}

/* What was wrong with a record's strings, worst first: counted once, as one cause. */
enum damage {
	DAMAGE_NONE = 0,
	DAMAGE_TRUNCATED = 1,
	DAMAGE_FAULT = 2,
};

/*
 * Emit, then count the event's damage only if it was delivered: an event
 * that was not delivered is counted as ringbuf_full and nothing else.
 */
static __always_inline void emit_damaged(void *data, __u64 size, enum damage damage)
{
	if (!emit(data, size))
		return;
	if (damage == DAMAGE_FAULT)
		count_loss(LOSS_STRING_FAULT);
	else if (damage == DAMAGE_TRUNCATED)
		count_loss(LOSS_TRUNCATED);
}

#define PATH_MAX_LEN	4096	/* the kernel's PATH_MAX, NUL included */
#define PATH_MASK	(PATH_MAX_LEN - 1)
/*
 * Steps of a path walk: one per component or mount crossing. A path that fits
 * PATH_MAX_LEN has at most 2048 components, so a walk stops for lack of room,
 * never for lack of steps; a step costs nothing once the walk is done.
 */
#define PATH_DEPTH	4096

struct path_walk {
	struct dentry *dentry;
	struct dentry *mnt_root;	/* of the mount being walked: read once per mount, not per step */
	struct mount *mnt;
	char *buf;
	__u32 off;
	bool done;
};

/* One component per call; a bpf_loop callback so the verifier sees it once. */
static long path_step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	/* locals: CO-RE relocations must not cover fields of struct path_walk */
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *mnt_root = w->mnt_root;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr name;
	__u32 len, off;

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt_parent == mnt) {
			w->done = true;	/* reached the global root */
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->mnt_root = BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = name.len;
	off = w->off;
	if (len > 255 || len + 1 > off)	/* NAME_MAX; or no room left: truncated */
		return 1;
	off -= len;
	bpf_probe_read_kernel(&w->buf[off & PATH_MASK], len, name.name);
	off -= 1;
	w->buf[off & PATH_MASK] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/*
 * Build the absolute path of (dentry, vfsmount) backwards into buf, which
 * must be 2 * PATH_MAX_LEN long. Returns the offset where the path starts, in
 * [0, PATH_MAX_LEN - 2]; it ends at PATH_MAX_LEN - 1 with a NUL, so its
 * length with the NUL is PATH_MAX_LEN - start, in [2, PATH_MAX_LEN] (never
 * mask that length with PATH_MASK: a 4095-byte path would become 0). Sets
 * *truncated when the walk ran out of room (the leading components are cut).
 */
static __always_inline __u32 build_path(struct dentry *dentry, struct vfsmount *vfsmnt,
					char *buf, bool *truncated)
{
	struct path_walk w = {
		.dentry = dentry,
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.buf = buf,
		.off = PATH_MAX_LEN - 1,
	};

	buf[PATH_MAX_LEN - 1] = 0;
	bpf_loop(PATH_DEPTH, path_step, &w, 0);
	*truncated = !w.done;
	if (w.off == PATH_MAX_LEN - 1) {
		w.off -= 1;
		buf[w.off & PATH_MASK] = '/';
	}
	return w.off & PATH_MASK;
}

#endif /* EBPFSH_COMMON_H */
