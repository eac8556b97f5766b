/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The header every record starts with (userspace reads its layout from BTF),
 * the load-time config every object carries, and the one ring buffer.
 * Maps declared in bpf/lib/ are created once per session and reused by name
 * by every probe object (see native/src/session.cc), so there is one ring.
 */
#ifndef EBPFSH_EVENT_H
#define EBPFSH_EVENT_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "limits.h"

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

#define U32_MAX		0xffffffffU
#define NSEC_PER_USEC	1000
#define EVENTS_RING_BYTES	(16 * 1024 * 1024)
#define WAKEUP_BYTES_DEFAULT	(256 * 1024)	/* the engine sets its own (targ_wakeup_bytes) */

struct event_header {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 cgroup_id;	/* cgroup v2 id of the task */
	__u16 probe_id;		/* engine-assigned, selects the decoder */
	__u16 kind;		/* probe-specific sub-type (e.g. which syscall) */
	__u32 tgid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 pidns;		/* inode of the task's pid namespace */
	__u32 ns_tgid;		/* tgid as seen inside that namespace */
	char comm[TASK_COMM_LEN];
};

/* Load-time config, set by the engine per object before load. */
const volatile __u32 targ_probe_id = 0;
const volatile __u32 targ_self_tgid = 0;
const volatile __u64 targ_wakeup_bytes = WAKEUP_BYTES_DEFAULT;
const volatile __u32 targ_instance = 0;	/* which load of the probe this is (probe_filter.instance) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RING_BYTES);
} events SEC(".maps");

/*
 * The tgid's number and pid namespace. The task is a BTF pointer: walking it
 * is plain loads (fault-safe), not a bpf_probe_read_kernel call per field,
 * which costs ~30 ns each and dominated a record's cost. numbers[level] is
 * a variable index the verifier does not allow on a BTF pointer, so a task
 * in a nested pid namespace (level > 0) pays one read for it.
 */
static __always_inline void fill_tgid_ns(struct event_header *h, struct task_struct *task)
{
	struct pid *tgid_pid = task->group_leader->thread_pid;
	unsigned int level = tgid_pid->level;
	struct upid upid = {};

	if (level == 0) {
		h->ns_tgid = tgid_pid->numbers[0].nr;
		h->pidns = tgid_pid->numbers[0].ns->ns.inum;
		return;
	}
	bpf_core_read(&upid, sizeof(upid), &tgid_pid->numbers[level]);
	h->ns_tgid = upid.nr;
	h->pidns = BPF_CORE_READ(upid.ns, ns.inum);
}

/*
 * Fill the header from the current task (process context only). Every field
 * but the time is a plain load from the task (what the helpers
 * bpf_get_current_{pid_tgid,uid_gid,cgroup_id,comm} return, read the same
 * way without a call each): the kernel keeps comm NUL-padded (strscpy_pad),
 * and userspace reads it up to the NUL, as it did the helper's copy.
 */
#ifdef EBPFSH_HEADER_BY_HELPERS
/*
 * The same header through helpers and bpf_probe_read (CO-RE), for a probe
 * whose events are rare and whose load is on every start (execsnoop): the
 * verifier checks each pointer load from the trusted task BTF pointer with
 * up to four linear searches of the kernel's BTF (btf_nested_type_is_trusted),
 * ~9 ms of CPU per load of execsnoop, while the helpers cost ~0.1 us per
 * event. Same values: the helpers read current's pid, cred, default cgroup
 * and NUL-padded comm, as the plain loads below do.
 */
static __always_inline void fill_header(struct event_header *h, __u16 kind)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct pid *tgid_pid = BPF_CORE_READ(task, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(tgid_pid, level);
	struct upid upid = {};

	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->probe_id = targ_probe_id;
	h->kind = kind;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	bpf_core_read(&upid, sizeof(upid), &tgid_pid->numbers[level]);
	h->ns_tgid = upid.nr;
	h->pidns = BPF_CORE_READ(upid.ns, ns.inum);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}
#else
/* fill_header for a program that holds the current task's BTF pointer (bpf_get_current_task_btf()): one helper call fewer. */
static __always_inline void fill_header_task(struct event_header *h, __u16 kind, struct task_struct *task)
{
	const struct cred *cred = task->cred;
	const __u64 *comm = (const __u64 *)task->comm;

	h->ts_ns = bpf_ktime_get_ns();
	h->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	h->probe_id = targ_probe_id;
	h->kind = kind;
	h->tgid = task->tgid;
	h->tid = task->pid;
	h->ppid = task->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	fill_tgid_ns(h, task);
	_Static_assert(sizeof(h->comm) == 2 * sizeof(__u64), "comm is two words");
	((__u64 *)h->comm)[0] = comm[0];
	((__u64 *)h->comm)[1] = comm[1];
}

static __always_inline void fill_header(struct event_header *h, __u16 kind)
{
	fill_header_task(h, kind, bpf_get_current_task_btf());
}
#endif /* EBPFSH_HEADER_BY_HELPERS */

#endif /* EBPFSH_EVENT_H */
