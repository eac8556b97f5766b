/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The header every record starts with; userspace reads its layout from BTF. */
#ifndef EBPFSH_EVENT_HEADER_H
#define EBPFSH_EVENT_HEADER_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

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

#endif
