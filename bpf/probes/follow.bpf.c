// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Keeps the `followed` set for follow=PID filters: a forked child inherits
 * its parent's follow mask; the entry goes when the last thread of the group
 * exits (not the leader: it may exit first while its other threads live on).
 * Not a probe of its own: loaded when the first follow filter is set.
 */
#include "lib/filter.h"
#include "lib/emit.h"

struct lost_follow {
	__u64 mask;
};

/* A child could not be followed: count it against every probe following one of its roots. */
static long count_for_probe(__u32 probe, void *ctx)
{
	struct lost_follow *l = ctx;
	struct probe_filter *f = probe_filter_of(probe);

	if (f && f->active && (f->follow_mask & l->mask))
		count_loss_for(probe, LOSS_FOLLOW_FULL);
	return 0;
}

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
	if (bpf_map_update_elem(&followed, &ctgid, &m, BPF_ANY)) {
		struct lost_follow l = { .mask = m };

		bpf_loop(MAX_PROBES, count_for_probe, &l, 0);
	}
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	/* signal->live drops to 0 before the tracepoint when the whole group is dead */
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
