// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exitsnoop: every thread and process exit, with its status and lifetime.
 * sched_process_exit runs in the exiting task, after do_exit() has stored
 * the exit code and counted the thread out of signal->live.
 */
#include "lib/exports.h"
#include "exitsnoop.h"

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct exitsnoop_exports {
	struct lib_exports lib;
	enum exit_flags flags;
	struct exit_event record;
};
EXPORT_BTF(exitsnoop_exports);

static __always_inline int handle_exit(struct task_struct *task, bool group_dead, __u16 flags)
{
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	struct exit_event e = {};
	__u64 start;

	if (!should_trace())
		return 0;
	fill_header(&e.hdr, 0);
	if (group_dead)
		flags |= EXIT_F_GROUP_DEAD;
	/* a process's lifetime runs from its first thread's start, whichever thread is last */
	start = group_dead ? BPF_CORE_READ(leader, start_time) : BPF_CORE_READ(task, start_time);
	e.lifetime_ns = bpf_ktime_get_ns() - start;
	e.start_ns = BPF_CORE_READ(leader, start_boottime);
	e.exit_code = BPF_CORE_READ(task, exit_code);
	e.flags = flags;
	emit(&e, sizeof(e));
	return 0;
}

/* group_dead is an argument since Linux 6.16: older kernels refuse this program at load (no 2nd argument). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task, bool group_dead)
{
	return handle_exit(task, group_dead, 0);
}

/*
 * The tracepoint's record has group_dead on the same kernels; before them,
 * signal->live == 0 says the group is dead (it drops before the tracepoint),
 * which two threads exiting together may both see: flagged as a guess.
 */
SEC("tracepoint/sched/sched_process_exit")
int exit_tp(struct trace_event_raw_sched_process_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (bpf_core_field_exists(ctx->group_dead))
		return handle_exit(task, BPF_CORE_READ(ctx, group_dead), 0);
	return handle_exit(task, BPF_CORE_READ(task, signal, live.counter) == 0, EXIT_F_GROUP_GUESSED);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
