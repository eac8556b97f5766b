/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A syscall's arguments kept from sys_enter for sys_exit, where the result is
 * known: one entry per thread in flight, keyed by tid.
 */
#ifndef EBPFSH_PENDING_H
#define EBPFSH_PENDING_H

#include "filter.h"
#include "emit.h"

#define PENDING_ENTRIES	10240

struct syscall_args {
	__u64 args[6];
	__u16 kind;		/* the probe's enum of which syscall */
	__u16 pad[3];
};

/*
 * A probe's own map of syscalls in flight. Not an LRU map: an LRU evicts a
 * pending call without a trace. A thread has one entry at most (overwritten by
 * its next call) and sys_exit deletes it; a full map counts pending_full.
 */
#define DEFINE_PENDING(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(max_entries, PENDING_ENTRIES);		\
		__type(key, __u32);				\
		__type(value, struct syscall_args);		\
	} name SEC(".maps")

/*
 * Keeps the first `nargs` arguments of the current thread's syscall (if the
 * filter wants it) for its exit; the rest read as 0. `nargs` must be a
 * constant no larger than the syscall's own count: a sys_enter context holds
 * only the syscall's arguments, and a program that loads past them loads
 * but fails to attach (EACCES, "Permission denied").
 */
static __always_inline int stash_syscall_n(void *map, __u16 kind, const struct trace_event_raw_sys_enter *ctx, int nargs)
{
	struct syscall_args a = { .kind = kind };
	__u32 tid;

	if (!should_trace())
		return 0;
	/* one load per argument: a memcpy from ctx may become loads the verifier refuses */
	if (nargs > 0)
		a.args[0] = ctx->args[0];
	if (nargs > 1)
		a.args[1] = ctx->args[1];
	if (nargs > 2)
		a.args[2] = ctx->args[2];
	if (nargs > 3)
		a.args[3] = ctx->args[3];
	if (nargs > 4)
		a.args[4] = ctx->args[4];
	if (nargs > 5)
		a.args[5] = ctx->args[5];
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(map, &tid, &a, BPF_ANY))
		count_loss(LOSS_PENDING_FULL);
	return 0;
}

/* stash_syscall_n for a syscall with six arguments (fewer: use stash_syscall_n, or attach fails). */
static __always_inline int stash_syscall(void *map, __u16 kind, const struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall_n(map, kind, ctx, 6);
}

/* The arguments the current thread's sys_enter kept, or NULL (filtered out, or counted as lost). */
static __always_inline struct syscall_args *pending_syscall(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(map, &tid);
}

/* Forgets the current thread's syscall: every sys_exit that found one calls this on every path. */
static __always_inline void end_syscall(void *map)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(map, &tid);
}

#endif /* EBPFSH_PENDING_H */
