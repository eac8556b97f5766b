// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * chmod: chmod, fchmod, fchmodat and fchmodat2. sys_enter keeps the arguments
 * (after the in-kernel filter), sys_exit emits them with the result and the
 * path: the caller's bytes and the directory a relative one starts from, or
 * for fchmod the path of the file behind the fd (bpf/lib/user_path.h).
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/user_path.h"
#include "chmod.h"

DEFINE_SCRATCH(chmod_scratch, struct scratch);
DEFINE_PENDING(chmod_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct chmod_exports {
	struct lib_exports lib;
	enum chmod_kind kind;
	enum chmod_at_flags at_flags;
	struct chmod_event record;
};
EXPORT_BTF(chmod_exports);

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&chmod_pending);
	enum damage damage = DAMAGE_NONE;
	struct user_path_out o = {};
	struct chmod_event *e;
	const char *up;
	__u32 off;
	char *walk;
	int fd;

	if (!a)
		return 0;
	e = scratch_of(&chmod_scratch);
	if (!e)
		goto out;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->flags = 0;
	e->pad = 0;
	switch (a->kind) {
	case CHMOD_KIND_CHMOD:			/* (path, mode) */
		fd = AT_FDCWD;
		up = (const char *)a->args[0];
		e->mode = (umode_t)a->args[1];
		break;
	case CHMOD_KIND_FCHMOD:			/* (fd, mode) */
		fd = (int)a->args[0];
		up = NULL;
		e->mode = (umode_t)a->args[1];
		break;
	default:				/* fchmodat(2): (dfd, path, mode[, flags]) */
		fd = (int)a->args[0];
		up = (const char *)a->args[1];
		e->mode = (umode_t)a->args[2];
		if (a->kind == CHMOD_KIND_FCHMODAT2)
			e->flags = (__u32)a->args[3];
		break;
	}
	e->fd = fd;
	if (up)
		off = put_user_path(e->data, 0, fd, up, e->flags & CHMOD_AT_EMPTY_PATH, walk, &o, &damage);
	else
		off = put_fd_path(e->data, 0, fd, walk, &o, &damage);
	e->path_flags = o.flags;
	e->raw_len = o.raw_len;
	e->base_len = o.base_len;
	if (off > 2 * PATH_MAX_LEN)
		goto out;			/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct chmod_event, data) + off, damage);
out:
	end_syscall(&chmod_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chmod_pending, CHMOD_KIND_CHMOD, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chmod_pending, CHMOD_KIND_FCHMOD, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chmod_pending, CHMOD_KIND_FCHMODAT, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chmod_pending, CHMOD_KIND_FCHMODAT2, ctx);
}

DEFINE_EXIT_ANY(fchmod)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
