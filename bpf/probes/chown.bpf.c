// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * chown: chown, fchown, fchownat and lchown. sys_enter keeps the arguments
 * (after the in-kernel filter), sys_exit emits them with the result and the
 * path: the caller's bytes and the directory a relative one starts from, or
 * for fchown the path of the file behind the fd (bpf/lib/user_path.h).
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/user_path.h"
#include "chown.h"

DEFINE_SCRATCH(chown_scratch, struct scratch);
DEFINE_PENDING(chown_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct chown_exports {
	struct lib_exports lib;
	enum chown_kind kind;
	enum chown_at_flags at_flags;
	struct chown_event record;
};
EXPORT_BTF(chown_exports);

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&chown_pending);
	enum damage damage = DAMAGE_NONE;
	struct user_path_out o = {};
	struct chown_event *e;
	const char *up;
	__u32 off;
	char *walk;
	int fd;

	if (!a)
		return 0;
	e = scratch_of(&chown_scratch);
	if (!e)
		goto out;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->flags = 0;
	e->pad = 0;
	switch (a->kind) {
	case CHOWN_KIND_FCHOWN:			/* (fd, user, group) */
		fd = (int)a->args[0];
		up = NULL;
		e->owner = (__u32)a->args[1];
		e->group = (__u32)a->args[2];
		break;
	case CHOWN_KIND_FCHOWNAT:		/* (dfd, path, user, group, flag) */
		fd = (int)a->args[0];
		up = (const char *)a->args[1];
		e->owner = (__u32)a->args[2];
		e->group = (__u32)a->args[3];
		e->flags = (__u32)a->args[4];
		break;
	default:				/* chown, lchown: (path, user, group) */
		fd = AT_FDCWD;
		up = (const char *)a->args[0];
		e->owner = (__u32)a->args[1];
		e->group = (__u32)a->args[2];
		if (a->kind == CHOWN_KIND_LCHOWN)
			e->flags = CHOWN_AT_SYMLINK_NOFOLLOW;
		break;
	}
	e->fd = fd;
	if (up)
		off = put_user_path(e->data, 0, fd, up, e->flags & CHOWN_AT_EMPTY_PATH, walk, &o, &damage);
	else
		off = put_fd_path(e->data, 0, fd, walk, &o, &damage);
	e->path_flags = o.flags;
	e->raw_len = o.raw_len;
	e->base_len = o.base_len;
	if (off > 2 * PATH_MAX_LEN)
		goto out;			/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct chown_event, data) + off, damage);
out:
	end_syscall(&chown_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chown")
int enter_chown(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chown_pending, CHOWN_KIND_CHOWN, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fchown")
int enter_fchown(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chown_pending, CHOWN_KIND_FCHOWN, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fchownat")
int enter_fchownat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chown_pending, CHOWN_KIND_FCHOWNAT, ctx);
}

SEC("tracepoint/syscalls/sys_enter_lchown")
int enter_lchown(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&chown_pending, CHOWN_KIND_LCHOWN, ctx);
}

DEFINE_EXIT_ANY(fchown)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
