// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memfd: memfd_create, the anonymous in-memory file a fileless payload is
 * written into before it is executed (execsnoop flags that exec). sys_enter
 * keeps the arguments, sys_exit emits them with the new fd or the error.
 */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "memfd.h"

/* Room for the record with the longest name: a scratch of its own size. */
struct memfd_buf {
	char buf[sizeof(struct memfd_event) + MEMFD_NAME_MAX];
};

DEFINE_SCRATCH(memfd_scratch, struct memfd_buf);
DEFINE_PENDING(memfd_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct memfd_exports {
	struct lib_exports lib;
	enum memfd_limits limits;
	enum memfd_event_flags ev_flags;
	struct memfd_event record;
};
EXPORT_BTF(memfd_exports);

SEC("tracepoint/syscalls/sys_enter_memfd_create")
int enter_memfd_create(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&memfd_pending, 0, ctx);
}

SEC("tracepoint/syscalls/sys_exit_memfd_create")
int exit_memfd_create(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args *a = pending_syscall(&memfd_pending);
	enum damage damage = DAMAGE_NONE;
	const char *name;
	struct memfd_event *e;
	char c = 0;
	long n;

	if (!a)
		return 0;
	e = scratch_of(&memfd_scratch);
	if (!e)
		goto out;
	name = (const char *)a->args[0];
	fill_header(&e->hdr, 0);
	e->ret = ctx->ret;
	e->flags = (__u32)a->args[1];
	e->ev_flags = 0;
	/* the caller's memory as it is now: the kernel copied the name from it during the call */
	n = bpf_probe_read_user_str(e->data, MEMFD_NAME_MAX, name);
	if (n <= 0) {
		e->ev_flags |= MEMFD_F_NAME_FAULT;
		damaged(&damage, DAMAGE_FAULT);
		e->data[0] = 0;
		n = 1;
	} else if (n >= MEMFD_NAME_MAX) {
		/* a full read is a 255-byte name if its last byte is the NUL, else cut */
		n = MEMFD_NAME_MAX;
		if (bpf_probe_read_user(&c, 1, name + MEMFD_NAME_MAX - 1) || c) {
			e->ev_flags |= MEMFD_F_NAME_TRUNCATED;
			damaged(&damage, DAMAGE_TRUNCATED);
		}
	}
	if (n > MEMFD_NAME_MAX)
		goto out;		/* unreachable: bounds for the verifier */
	e->name_len = n;
	emit_damaged(e, __builtin_offsetof(struct memfd_event, data) + n, damage);
out:
	end_syscall(&memfd_pending);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
