// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execsnoop: successful execs from sched_process_exec (argv read from the new
 * mm, which is always populated there, unlike at sys_enter_execve), failed
 * execs from sys_exit_execve{,at} with what sys_enter saw.
 */
#include "common.h"
#include "execsnoop.h"

#define DATA_MASK	1023	/* filename + exe always end below this */

DEFINE_SCRATCH(exec_scratch);

struct exec_args {
	const char *filename;
	const char *const *argv;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_args);
} exec_pending SEC(".maps");

const struct exec_event *unused_exec_event __attribute__((unused));

static __always_inline struct exec_event *scratch_event(void)
{
	return scratch_of(&exec_scratch);
}

/* Append the exe path (from the task's mm) at data[off]; returns new off. */
static __always_inline __u32 append_exe(struct exec_event *e, char *buf, __u32 off)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	char *tmp = buf + 8192;	/* 2 * PATH_MAX_LEN of room in the upper half */
	bool truncated;
	__u32 start, len;

	if (!exe)
		return off;
	start = build_path(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt),
			   tmp, &truncated);
	if (truncated)
		e->flags |= EXEC_F_EXE_TRUNCATED;
	len = PATH_MAX_LEN - (start & PATH_MASK);
	if (len > EXEC_FILENAME_MAX) {
		start += len - EXEC_FILENAME_MAX;
		len = EXEC_FILENAME_MAX;
		e->flags |= EXEC_F_EXE_TRUNCATED;
	}
	bpf_probe_read_kernel(&e->data[off & DATA_MASK], len & (EXEC_FILENAME_MAX | (EXEC_FILENAME_MAX - 1)),
			      &tmp[start & PATH_MASK]);
	e->exe_len = len;
	return off + len;
}

static __always_inline void emit_exec(struct exec_event *e, __u32 off)
{
	emit(e, (__builtin_offsetof(struct exec_event, data) + off) & (SCRATCH_SIZE - 1));
}

static __always_inline int handle_exec(const char *filename)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exec_event *e;
	unsigned long arg_start, arg_end;
	__u32 off = 0, len;
	long n;

	if (!should_trace())
		return 0;
	e = scratch_event();
	if (!e)
		return 0;
	fill_header(&e->hdr, EXEC_KIND_EXEC);
	e->ret = 0;
	e->argc = 0xffffffff;
	e->flags = 0;
	e->exe_len = 0;
	e->args_len = 0;

	n = bpf_probe_read_kernel_str(e->data, EXEC_FILENAME_MAX, filename);
	if (n < 0) {
		count_loss(LOSS_STRING_FAULT);
		n = 1;
		e->data[0] = 0;
	} else if (n == EXEC_FILENAME_MAX) {
		e->flags |= EXEC_F_FILENAME_TRUNCATED;
	}
	e->filename_len = n;
	off = n & DATA_MASK;
	off = append_exe(e, (char *)e, off);

	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	e->args_size = arg_end - arg_start;
	len = e->args_size;
	if (len > EXEC_ARGS_MAX - 1) {
		len = EXEC_ARGS_MAX - 1;
		e->flags |= EXEC_F_ARGS_TRUNCATED;
		count_loss(LOSS_TRUNCATED);
	}
	off &= DATA_MASK;
	if (bpf_probe_read_user(&e->data[off], len & (EXEC_ARGS_MAX - 1), (void *)arg_start)) {
		e->flags |= EXEC_F_ARGS_FAULT;
		count_loss(LOSS_STRING_FAULT);
		len = 0;
	}
	e->args_len = len;
	emit_exec(e, off + len);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(BPF_CORE_READ(bprm, filename));
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned short loc = ctx->__data_loc_filename & 0xFFFF;

	return handle_exec((const char *)ctx + loc);
}

static __always_inline int stash_exec(const char *filename, const char *const *argv)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args a = { .filename = filename, .argv = argv };

	if (!should_trace())
		return 0;
	bpf_map_update_elem(&exec_pending, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return stash_exec((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_exec((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

struct argv_walk {
	const char *const *argv;
	struct exec_event *e;
	__u32 off;
	__u32 argc;
};

static long argv_step(__u32 i, void *ctx)
{
	struct argv_walk *w = ctx;
	const char *arg = NULL;
	long n;

	if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i]) || !arg)
		return 1;
	if (i == EXEC_FAILED_ARGS) {	/* one more than we keep */
		w->e->flags |= EXEC_F_ARGS_TRUNCATED;
		count_loss(LOSS_TRUNCATED);
		return 1;
	}
	n = bpf_probe_read_user_str(&w->e->data[w->off & 4095], EXEC_FAILED_ARG_MAX, arg);
	if (n <= 0) {
		w->e->flags |= EXEC_F_ARGS_FAULT;
		count_loss(LOSS_STRING_FAULT);
		return 1;
	}
	if (n == EXEC_FAILED_ARG_MAX)
		w->e->flags |= EXEC_F_ARGS_TRUNCATED;
	w->off += n;
	w->argc++;
	return 0;
}

/* A failed exec: the caller's memory is intact, so read what it passed. */
static __always_inline int handle_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args *a = bpf_map_lookup_elem(&exec_pending, &tid);
	struct argv_walk w = {};
	struct exec_event *e;
	long n;

	if (!a)
		return 0;
	if (ret >= 0 || !(e = scratch_event())) {
		bpf_map_delete_elem(&exec_pending, &tid);
		return 0;
	}
	fill_header(&e->hdr, EXEC_KIND_FAILED);
	e->ret = ret;
	e->flags = 0;
	e->exe_len = 0;
	n = bpf_probe_read_user_str(e->data, EXEC_FILENAME_MAX, a->filename);
	if (n < 0) {
		count_loss(LOSS_STRING_FAULT);
		n = 1;
		e->data[0] = 0;
	} else if (n == EXEC_FILENAME_MAX) {
		e->flags |= EXEC_F_FILENAME_TRUNCATED;
	}
	e->filename_len = n;
	w.argv = a->argv;
	w.e = e;
	w.off = n & DATA_MASK;
	bpf_loop(EXEC_FAILED_ARGS + 1, argv_step, &w, 0);
	e->argc = (e->flags & EXEC_F_ARGS_TRUNCATED) ? 0xffffffff : w.argc;
	e->args_len = w.off - (n & DATA_MASK);
	e->args_size = e->args_len;
	bpf_map_delete_elem(&exec_pending, &tid);
	emit(e, (__builtin_offsetof(struct exec_event, data) + w.off) & 8191);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
