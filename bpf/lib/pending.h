/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A syscall's arguments kept from sys_enter for sys_exit, where the result is
 * known: one slot per thread, in task-local storage.
 */
#ifndef EBPFSH_PENDING_H
#define EBPFSH_PENDING_H

#include "filter.h"
#include "emit.h"

struct syscall_args {
	__u64 args[6];
	__u16 kind;		/* the probe's enum of which syscall */
	__u8 live;		/* set by sys_enter, cleared by sys_exit */
	__u8 pad[5];
};

/*
 * A probe's own slots of syscalls in flight: task-local storage, so a slot
 * is a pointer the thread already holds (no hash, no insert and delete per
 * call) and lives as long as the thread. Nothing is evicted and there is no
 * table to fill: a thread has one slot, overwritten by its next call; a slot
 * that cannot be created (no memory, or another BPF program on this CPU
 * holds the storage lock) counts pending_full.
 */
#define DEFINE_PENDING(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);	\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, int);				\
		__type(value, struct syscall_args);		\
	} name SEC(".maps")

/* The current thread's slot in `map`, created when `create`; NULL when it has none (or it could not be created). */
static __always_inline void *pending_slot(void *map, bool create)
{
	return bpf_task_storage_get(map, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* Keeps the arguments of the current thread's syscall (if the filter wants it) for its exit. */
static __always_inline int stash_syscall(void *map, __u16 kind, const struct trace_event_raw_sys_enter *ctx)
{
	struct syscall_args *a;

	if (!should_trace())
		return 0;
	a = pending_slot(map, true);
	if (!a) {
		count_loss(LOSS_PENDING_FULL);
		return 0;
	}
	/*
	 * One copy, not a load per argument: the kernel refuses to attach (EACCES)
	 * a program whose direct ctx loads reach past the tracepoint's declared
	 * fields, and a syscall's tracepoint declares only its own arguments
	 * (unlinkat has no args[3]). The context BPF gets has room for all six
	 * (perf_call_bpf_enter), so the copy stays inside it; the slots past the
	 * syscall's own hold stale bytes that no probe reads.
	 */
	bpf_probe_read_kernel(a->args, sizeof(a->args), ctx->args);
	a->kind = kind;
	a->live = 1;
	return 0;
}

/* The arguments the current thread's sys_enter kept, or NULL (filtered out, or counted as lost). */
static __always_inline struct syscall_args *pending_syscall(void *map)
{
	struct syscall_args *a = pending_slot(map, false);

	return a && a->live ? a : NULL;
}

/* Forgets the current thread's syscall: every sys_exit that found one calls this on every path. */
static __always_inline void end_syscall(void *map)
{
	struct syscall_args *a = pending_slot(map, false);

	if (a)
		a->live = 0;
}

/*
 * A probe's one sys_exit program, `exit_any`, for every syscall it stashes at
 * sys_enter: the kind is in the stashed arguments, so the exits of all its
 * syscalls are the same code, and one program (in the section of `syscall`'s
 * sys_exit) is verified once instead of once per syscall. The probe's hooks
 * attach it at each (syscallHook's `exitIn`: HookChoice.at). Calls the
 * probe's handle_exit(long ret).
 */
#define DEFINE_EXIT_ANY(syscall)					\
	SEC("tracepoint/syscalls/sys_exit_" #syscall)			\
	int exit_any(struct trace_event_raw_sys_exit *ctx)		\
	{								\
		return handle_exit(ctx->ret);				\
	}

#endif /* EBPFSH_PENDING_H */
