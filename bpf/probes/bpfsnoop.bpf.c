// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfsnoop: the bpf() syscall of other processes (ebpfsh's own are dropped by
 * should_trace), with the command and, for the commands that create or attach
 * something, what: program type, name and size, map type and name, attach
 * type. sys_enter keeps the arguments; sys_exit reads union bpf_attr, which
 * the kernel has copied by then (so its page is present), with the result.
 */
#include "lib/exports.h"
#include "lib/pending.h"
#include "bpfsnoop.h"

DEFINE_PENDING(bpf_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h): the kernel's own enums give the names. */
struct bpfsnoop_exports {
	struct lib_exports lib;
	enum bpfsnoop_limits limits;
	enum bpf_event_flags ev_flags;
	enum bpf_cmd cmd;
	enum bpf_prog_type prog_type;
	enum bpf_map_type map_type;
	enum bpf_attach_type attach_type;
	struct bpf_event record;
};
EXPORT_BTF(bpfsnoop_exports);

_Static_assert(BPF_ATTR_READ >= __builtin_offsetof(union bpf_attr, prog_name) + BPF_NAME_LEN, "prog_name is read");
_Static_assert(BPF_ATTR_READ >= __builtin_offsetof(union bpf_attr, map_name) + BPF_NAME_LEN, "map_name is read");

/* What the command's attr says, for the commands worth naming. */
static __always_inline void read_attr(struct bpf_event *e, const void *uattr, __u32 size)
{
	union bpf_attr attr;
	__u32 n = size < BPF_ATTR_READ ? size : BPF_ATTR_READ;

	/* as the kernel does: a short attr reads as zeros past its size */
	__builtin_memset(&attr, 0, sizeof(attr));
	/* keep clang from folding the bound away: the verifier wants to see it */
	asm volatile("" : "+r"(n));
	n &= BPF_ATTR_READ * 2 - 1;
	if (n > BPF_ATTR_READ)
		n = BPF_ATTR_READ;
	if (n && bpf_probe_read_user(&attr, n, uattr)) {
		e->ev_flags |= BPF_EV_ATTR_FAULT;
		return;
	}
	switch (e->cmd) {
	case BPF_PROG_LOAD:
		e->type = attr.prog_type;
		e->insn_cnt = attr.insn_cnt;
		__builtin_memcpy(e->name, attr.prog_name, BPF_NAME_LEN);
		break;
	case BPF_MAP_CREATE:
		e->type = attr.map_type;
		e->key_size = attr.key_size;
		e->value_size = attr.value_size;
		e->max_entries = attr.max_entries;
		__builtin_memcpy(e->name, attr.map_name, BPF_NAME_LEN);
		break;
	case BPF_PROG_ATTACH:
	case BPF_PROG_DETACH:
		e->target_fd = attr.target_fd;
		e->prog_fd = attr.attach_bpf_fd;
		e->attach_type = attr.attach_type;
		break;
	case BPF_LINK_CREATE:
		e->prog_fd = attr.link_create.prog_fd;
		e->target_fd = attr.link_create.target_fd;
		e->attach_type = attr.link_create.attach_type;
		break;
	default:
		break;
	}
}

SEC("tracepoint/syscalls/sys_enter_bpf")
int enter_bpf(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&bpf_pending, 0, ctx);
}

SEC("tracepoint/syscalls/sys_exit_bpf")
int exit_bpf(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args *a = pending_syscall(&bpf_pending);
	struct bpf_event e = {};

	if (!a)
		return 0;
	fill_header(&e.hdr, 0);
	e.ret = ctx->ret;
	/* bpf(int cmd, union bpf_attr *attr, unsigned int size) */
	e.cmd = (__u32)a->args[0];
	e.attr_size = (__u32)a->args[2];
	read_attr(&e, (const void *)a->args[1], e.attr_size);
	emit_damaged(&e, sizeof(e), e.ev_flags & BPF_EV_ATTR_FAULT ? DAMAGE_FAULT : DAMAGE_NONE);
	end_syscall(&bpf_pending);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
