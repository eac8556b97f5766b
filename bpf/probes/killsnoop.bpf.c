// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * killsnoop: signals generated (signal:signal_generate), one record per
 * target, and the kill-family syscalls that generated none: a failure
 * (EPERM, ESRCH: the permission check runs before signal_generate) or a
 * sig 0 existence probe. signal_generate runs in the task that raised the
 * signal: for kill(2) the sender; for a fault the target itself; for
 * SIGCHLD the exiting child; for a timer whatever ran. The kill syscalls
 * are tracked from sys_enter, so a signal generated inside one is known to
 * come from the header task.
 */
#include "lib/exports.h"
#include "lib/pending.h"
#include "killsnoop.h"

#define SI_USER		0
#define SI_KERNEL	0x80
#define SI_TKILL	-6
/* include/linux/sched/signal.h: the info pointers that are not pointers */
#define SEND_SIG_NOINFO	0
#define SEND_SIG_PRIV	1

DEFINE_PENDING(kill_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct killsnoop_exports {
	struct lib_exports lib;
	enum kill_kind kind;
	enum kill_result result;
	enum kill_source source;
	enum kill_limits limits;
	struct kill_event record;
};
EXPORT_BTF(killsnoop_exports);

static __always_inline __u8 source_of(int code)
{
	if (pending_syscall(&kill_pending))
		return KILL_SRC_SYSCALL;
	if (code == SI_USER || code == SI_TKILL)
		return KILL_SRC_USER;
	if (code < 0)
		return KILL_SRC_QUEUE;
	return KILL_SRC_KERNEL;
}

static __always_inline int handle_signal(int sig, int code, struct task_struct *target, __u32 target_tid,
					 const char *target_comm, int group, int result)
{
	struct kill_event e = {};

	if (!should_trace())
		return 0;
	fill_header(&e.hdr, KILL_KIND_SIGNAL);
	e.sig = sig;
	e.code = code;
	e.result = result;
	e.group = group != 0;
	e.source = source_of(code);
	e.target_uid = KILL_TARGET_UID_UNKNOWN;
	e.target_tid = target_tid;
	if (target) {
		e.target = BPF_CORE_READ(target, tgid);
		e.target_tid = BPF_CORE_READ(target, pid);
		e.target_uid = BPF_CORE_READ(target, real_cred, uid.val);
		bpf_core_read(e.target_comm, sizeof(e.target_comm), &target->comm);
	} else {
		bpf_probe_read_kernel(e.target_comm, sizeof(e.target_comm), target_comm);
	}
	emit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_btf, int sig, struct kernel_siginfo *info, struct task_struct *task, int group, int result)
{
	int code;

	/* what the tracepoint itself records for the two special info values */
	if ((unsigned long)info == SEND_SIG_NOINFO)
		code = SI_USER;
	else if ((unsigned long)info == SEND_SIG_PRIV)
		code = SI_KERNEL;
	else
		code = BPF_CORE_READ(info, si_code);
	return handle_signal(sig, code, task, 0, NULL, group, result);
}

/* The tracepoint's record has the target's tid and comm, not its task: no tgid or uid. */
SEC("tracepoint/signal/signal_generate")
int signal_tp(struct trace_event_raw_signal_generate *ctx)
{
	return handle_signal(ctx->sig, ctx->code, NULL, ctx->pid, ctx->comm, ctx->group, ctx->result);
}

/*
 * At sys_exit: a call that generated a signal was reported by signal_generate;
 * what is left is a failure, or sig 0 (which only checks that the target exists).
 */
static __always_inline int handle_syscall_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&kill_pending);
	struct kill_event e = {};
	int sig;

	if (!a)
		return 0;
	switch (a->kind) {
	case KILL_KIND_TGKILL:
		e.target = a->args[0];
		e.target_tid = a->args[1];
		sig = a->args[2];
		break;
	case KILL_KIND_TKILL:
		e.target_tid = a->args[0];
		sig = a->args[1];
		break;
	default:	/* kill(pid, sig), pidfd_send_signal(pidfd, sig, info, flags) */
		e.target = a->args[0];
		sig = a->args[1];
		break;
	}
	if (ret < 0 || sig == 0) {
		fill_header(&e.hdr, a->kind);
		e.ret = ret;
		e.sig = sig;
		e.result = KILL_RES_NONE;
		e.source = KILL_SRC_SYSCALL;
		e.target_uid = KILL_TARGET_UID_UNKNOWN;
		emit(&e, sizeof(e));
	}
	end_syscall(&kill_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int enter_kill(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&kill_pending, KILL_KIND_KILL, ctx);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int exit_kill(struct trace_event_raw_sys_exit *ctx)
{
	return handle_syscall_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int enter_tkill(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&kill_pending, KILL_KIND_TKILL, ctx);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int exit_tkill(struct trace_event_raw_sys_exit *ctx)
{
	return handle_syscall_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int enter_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&kill_pending, KILL_KIND_TGKILL, ctx);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int exit_tgkill(struct trace_event_raw_sys_exit *ctx)
{
	return handle_syscall_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_pidfd_send_signal")
int enter_pidfd_send_signal(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&kill_pending, KILL_KIND_PIDFD, ctx);
}

SEC("tracepoint/syscalls/sys_exit_pidfd_send_signal")
int exit_pidfd_send_signal(struct trace_event_raw_sys_exit *ctx)
{
	return handle_syscall_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
