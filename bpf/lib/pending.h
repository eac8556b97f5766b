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

/* Keeps the arguments of the current thread's syscall (if the filter wants it) for its exit. */
static __always_inline int stash_syscall(void *map, __u16 kind, const struct trace_event_raw_sys_enter *ctx)
{
	struct syscall_args a = { .kind = kind };
	__u32 tid;

	if (!should_trace())
		return 0;
	/*
	 * Not loads from ctx: a syscall's record holds only the arguments it has,
	 * and attaching a program that loads past them fails with EACCES (the
	 * kernel checks the highest ctx offset read against the record's size).
	 * The record lies in a larger per-CPU buffer, so this read stays inside
	 * it; args the syscall does not have are garbage nobody reads.
	 */
	bpf_probe_read_kernel(a.args, sizeof(a.args), (const void *)ctx->args);
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(map, &tid, &a, BPF_ANY))
		count_loss(LOSS_PENDING_FULL);
	return 0;
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
