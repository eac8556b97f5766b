// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Keeps the `followed` set for follow=PID filters: a forked child inherits
 * its parent's follow mask; the entry goes when the thread group leader exits.
 * Not a probe of its own: loaded when the first follow filter is set.
 */
#include "common.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u64 *mask, *cmask, m;

	if (ptgid == ctgid)
		return 0;	/* a new thread: its group is already in or out */
	mask = bpf_map_lookup_elem(&followed, &ptgid);
	if (!mask)
		return 0;
	m = *mask;
	cmask = bpf_map_lookup_elem(&followed, &ctgid);
	if (cmask)
		m |= *cmask;
	bpf_map_update_elem(&followed, &ctgid, &m, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit, struct task_struct *task)
{
	__u32 pid = BPF_CORE_READ(task, pid);
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (pid == tgid)
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
