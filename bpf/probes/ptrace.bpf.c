// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptrace: ptrace() and process_vm_writev/readv, the ways one process reads or
 * writes another's memory and registers (code injection, credential theft).
 * sys_enter keeps the arguments (bpf/lib/pending.h); sys_exit looks the
 * target up by pid, reads its comm, and emits with the result. The target is
 * looked up at sys_exit: a successful attach leaves it alive, and a failed
 * call on a pid that no longer exists shows as an unknown target.
 */
#include "lib/exports.h"
#include "lib/pending.h"
#include "ptrace.h"

#define PTRACE_TRACEME	0

/*
 * The pid a caller passes is in its own pid namespace: bpf_task_from_vpid
 * (6.13+) resolves it there; bpf_task_from_pid resolves it in the initial one,
 * right for callers outside containers. __weak: either may be missing.
 */
extern struct task_struct *bpf_task_from_vpid(s32 vpid) __ksym __weak;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym;

DEFINE_PENDING(ptrace_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct ptrace_exports {
	struct lib_exports lib;
	enum ptrace_kind kind;
	enum ptrace_limits limits;
	enum ptrace_event_flags ev_flags;
	struct ptrace_event record;
};
EXPORT_BTF(ptrace_exports);

static __always_inline void put_u64(__u8 *dst, __u64 v)
{
	__builtin_memcpy(dst, &v, sizeof(v));
}

/* The target's comm and tgid (init namespace); false when no task has that pid. */
static __always_inline bool read_target(s32 pid, struct ptrace_event *e)
{
	struct task_struct *t;

	if (pid <= 0)
		return false;
	if (bpf_task_from_vpid)
		t = bpf_task_from_vpid(pid);
	else if (bpf_task_from_pid)
		t = bpf_task_from_pid(pid);
	else
		return false;
	if (!t)
		return false;
	bpf_probe_read_kernel_str(e->target_comm, sizeof(e->target_comm), t->comm);
	e->target_tgid = t->tgid;
	bpf_task_release(t);
	return true;
}

/* Counts the remote iovecs and sums their lengths (bounded), keeping the first base as addr. */
static __always_inline void sum_iovecs(const struct iovec *iov, __u64 cnt, struct ptrace_event *e)
{
	struct iovec v;
	__u32 i;

	e->iovcnt = cnt;
	if (cnt > PTR_IOV_MAX)
		e->ev_flags |= PTR_F_IOV_PARTIAL;
	for (i = 0; i < PTR_IOV_MAX; i++) {
		if (i >= cnt)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), &iov[i])) {
			e->ev_flags |= PTR_F_IOV_FAULT;
			break;
		}
		if (i == 0)
			put_u64(e->addr, (__u64)v.iov_base);
		e->bytes += v.iov_len;
	}
}

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&ptrace_pending);
	struct ptrace_event e = {};
	s32 pid;

	if (!a)
		return 0;
	fill_header(&e.hdr, a->kind);
	e.ret = ret;
	if (a->kind == PTR_KIND_PTRACE) {
		e.request = a->args[0];
		pid = (s32)a->args[1];
		put_u64(e.addr, a->args[2]);
		put_u64(e.data, a->args[3]);
		if (e.request == PTRACE_TRACEME) {
			/* the pid argument is ignored: the parent becomes the tracer */
			struct task_struct *task = (struct task_struct *)bpf_get_current_task();

			e.target = e.hdr.ppid;
			e.target_tgid = e.hdr.ppid;
			BPF_CORE_READ_STR_INTO(&e.target_comm, task, real_parent, comm);
			goto emit;
		}
	} else {
		/* process_vm_{read,write}v(pid, lvec, liovcnt, rvec, riovcnt, flags) */
		pid = (s32)a->args[0];
		sum_iovecs((const struct iovec *)a->args[3], a->args[4], &e);
	}
	e.target = pid;
	if (!read_target(pid, &e))
		e.ev_flags |= PTR_F_TARGET_UNKNOWN;
emit:
	emit(&e, sizeof(e));
	end_syscall(&ptrace_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int enter_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&ptrace_pending, PTR_KIND_PTRACE, ctx);
}

SEC("tracepoint/syscalls/sys_enter_process_vm_writev")
int enter_process_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&ptrace_pending, PTR_KIND_VM_WRITEV, ctx);
}

SEC("tracepoint/syscalls/sys_enter_process_vm_readv")
int enter_process_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&ptrace_pending, PTR_KIND_VM_READV, ctx);
}

DEFINE_EXIT_ANY(ptrace)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
