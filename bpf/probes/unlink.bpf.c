// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * unlink: unlink, unlinkat (files, and directories with AT_REMOVEDIR) and
 * rmdir. sys_enter keeps the arguments (after the in-kernel filter), sys_exit
 * emits with the result, the raw path and, for a relative one, the absolute
 * path of its directory (bpf/lib/user_path.h): by sys_exit the name is gone,
 * but the directory it was in is still open (dfd) or still the cwd.
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/user_path.h"
#include "unlink.h"

DEFINE_SCRATCH(unlink_scratch, struct scratch);
DEFINE_PENDING(unlink_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct unlink_exports {
	struct lib_exports lib;
	enum unlink_kind kind;
	enum unlink_at_flags at_flags;
	struct unlink_event record;
};
EXPORT_BTF(unlink_exports);

SEC("tracepoint/syscalls/sys_enter_unlink")
int enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&unlink_pending, UNLINK_KIND_UNLINK, ctx);
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&unlink_pending, UNLINK_KIND_UNLINKAT, ctx);
}

SEC("tracepoint/syscalls/sys_enter_rmdir")
int enter_rmdir(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&unlink_pending, UNLINK_KIND_RMDIR, ctx);
}

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&unlink_pending);
	enum damage damage = DAMAGE_NONE;
	struct user_path_out o;
	struct unlink_event *e;
	const char *path;
	__u32 off;
	int dfd;

	if (!a)
		return 0;
	e = scratch_of(&unlink_scratch);
	if (!e)
		goto out;
	if (a->kind == UNLINK_KIND_UNLINKAT) {
		dfd = (int)a->args[0];
		path = (const char *)a->args[1];
		e->flags = (__u32)a->args[2];
	} else {
		dfd = AT_FDCWD;
		path = (const char *)a->args[0];
		e->flags = 0;
	}
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->dfd = dfd;
	e->pad[0] = 0;
	e->pad[1] = 0;
	e->pad[2] = 0;
	off = put_user_path(e->data, 0, dfd, path, false, (char *)e + SCRATCH_WALK, &o, &damage);
	e->path_flags = o.flags;
	e->raw_len = o.raw_len;
	e->base_len = o.base_len;
	if (off > 2 * PATH_MAX_LEN)
		goto out;	/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct unlink_event, data) + off, damage);
out:
	end_syscall(&unlink_pending);
	return 0;
}

DEFINE_EXIT_ANY(unlinkat)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
