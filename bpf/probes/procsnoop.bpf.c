// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * procsnoop: process lifetimes (fork, exec, exit) so a capture's process
 * table stays current. Threads are skipped: fork reports only new thread
 * groups, exit only the death of the last thread of a group.
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/path.h"
#include "procsnoop.h"

DEFINE_SCRATCH(proc_scratch, struct scratch);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct procsnoop_exports {
	struct lib_exports lib;
	enum proc_kind kind;
	enum proc_flags flags;
	enum procsnoop_limits limits;
	struct proc_life_event record;
};
EXPORT_BTF(procsnoop_exports);

/* Start of the process (thread group) `task` belongs to, as /proc shows it (boot-based). */
static __always_inline __u64 process_start(struct task_struct *task)
{
	return BPF_CORE_READ(task, group_leader, start_boottime);
}

/*
 * sched_process_fork runs in the parent: fill_header() describes the parent,
 * so the pid fields are rewritten to describe the child (uid, gid, cgroup
 * and comm are inherited and already right).
 */
static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct proc_life_event e = {};
	struct pid *tgid_pid;
	struct upid upid = {};
	unsigned int level;

	if (ptgid == ctgid)
		return 0;	/* a new thread, not a new process */
	if (!should_trace())
		return 0;
	fill_header(&e.hdr, PROC_KIND_FORK);
	e.hdr.tgid = ctgid;
	e.hdr.tid = BPF_CORE_READ(child, pid);
	e.hdr.ppid = BPF_CORE_READ(child, real_parent, tgid);
	tgid_pid = BPF_CORE_READ(child, thread_pid);
	level = BPF_CORE_READ(tgid_pid, level);
	bpf_core_read(&upid, sizeof(upid), &tgid_pid->numbers[level]);
	e.hdr.ns_tgid = upid.nr;
	e.start_ns = BPF_CORE_READ(child, start_boottime);
	e.parent_pid = e.hdr.ppid;
	e.parent_start_ns = process_start(BPF_CORE_READ(child, real_parent));
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

/* Same arguments as tp_btf, untyped: for kernels whose tp_btf is refused. */
SEC("raw_tp/sched_process_fork")
int fork_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_fork((struct task_struct *)ctx->args[0], (struct task_struct *)ctx->args[1]);
}

static __always_inline int handle_exit(struct task_struct *task)
{
	struct proc_life_event e = {};

	/* signal->live drops to 0 before the tracepoint when the group is dead */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (!should_trace())
		return 0;
	fill_header(&e.hdr, PROC_KIND_EXIT);
	e.start_ns = process_start(task);
	e.parent_pid = e.hdr.ppid;
	e.parent_start_ns = process_start(BPF_CORE_READ(task, real_parent));
	e.exit_code = BPF_CORE_READ(task, exit_code);
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("raw_tp/sched_process_exit")
int exit_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_exit((struct task_struct *)ctx->args[0]);
}

static __always_inline int handle_exec(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	unsigned long arg_start, arg_end;
	enum damage damage = DAMAGE_NONE;
	struct proc_life_event *e;
	__u32 start, len, off = 0;
	bool truncated = false;
	char *tmp;

	if (!should_trace())
		return 0;
	e = scratch_of(&proc_scratch);
	if (!e)
		return 0;
	tmp = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, PROC_KIND_EXEC);
	e->start_ns = process_start(task);
	e->parent_pid = e->hdr.ppid;
	e->parent_start_ns = process_start(BPF_CORE_READ(task, real_parent));
	e->exit_code = 0;
	e->flags = 0;
	e->exe_len = 0;
	e->args_len = 0;
	e->pad = 0;
	if (exe) {
		start = build_path(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt), tmp, &truncated);
		len = PATH_MAX_LEN - (start & PATH_MASK);
		if (len > PROC_EXE_MAX) {
			start += len - PROC_EXE_MAX;
			len = PROC_EXE_MAX;
			truncated = true;
		}
		if (truncated) {
			e->flags |= PROC_F_EXE_TRUNCATED;
			damage = DAMAGE_TRUNCATED;
		}
		if (len > PROC_EXE_MAX || start > PATH_MASK)
			return 0;	/* unreachable: bounds for the verifier */
		bpf_probe_read_kernel(e->data, len, &tmp[start]);
		e->exe_len = len;
		off = len;
	}
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	len = arg_end - arg_start;
	if (arg_end - arg_start > PROC_ARGS_MAX - 1) {
		len = PROC_ARGS_MAX - 1;
		e->flags |= PROC_F_ARGS_TRUNCATED;
		damage = DAMAGE_TRUNCATED;
	}
	if (off > PROC_EXE_MAX || len > PROC_ARGS_MAX - 1)
		return 0;	/* unreachable: bounds for the verifier */
	if (bpf_probe_read_user(&e->data[off], len, (void *)arg_start)) {
		e->flags |= PROC_F_ARGS_FAULT;
		damage = DAMAGE_FAULT;
		len = 0;
	}
	e->args_len = len;
	/* a cut exe or argv is counted once, as truncated, and only if delivered */
	emit_damaged(e, __builtin_offsetof(struct proc_life_event, data) + off + len, damage);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec();
}

SEC("raw_tp/sched_process_exec")
int exec_raw(struct bpf_raw_tracepoint_args *ctx)
{
	return handle_exec();
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
