// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rename: rename, renameat and renameat2. sys_enter keeps the arguments
 * (after the in-kernel filter), sys_exit emits with the result and both
 * paths, each as the raw bytes plus, when relative, the absolute path of its
 * directory (bpf/lib/user_path.h). Directories are resolved at sys_exit: the
 * dfds are still open and the cwd is where it was, whatever was renamed.
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/user_path.h"
#include "rename.h"

DEFINE_SCRATCH(rename_scratch, struct scratch);
DEFINE_PENDING(rename_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct rename_exports {
	struct lib_exports lib;
	enum rename_kind kind;
	enum rename_at_flags at_flags;
	struct rename_event record;
};
EXPORT_BTF(rename_exports);

SEC("tracepoint/syscalls/sys_enter_rename")
int enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&rename_pending, RENAME_KIND_RENAME, ctx);
}

SEC("tracepoint/syscalls/sys_enter_renameat")
int enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&rename_pending, RENAME_KIND_RENAMEAT, ctx);
}

SEC("tracepoint/syscalls/sys_enter_renameat2")
int enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&rename_pending, RENAME_KIND_RENAMEAT2, ctx);
}

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&rename_pending);
	enum damage damage = DAMAGE_NONE;
	const char *oldp, *newp;
	struct user_path_out o;
	struct rename_event *e;
	int olddfd, newdfd;
	char *walk;
	__u32 off;

	if (!a)
		return 0;
	e = scratch_of(&rename_scratch);
	if (!e)
		goto out;
	if (a->kind == RENAME_KIND_RENAME) {
		olddfd = AT_FDCWD;
		oldp = (const char *)a->args[0];
		newdfd = AT_FDCWD;
		newp = (const char *)a->args[1];
	} else {
		olddfd = (int)a->args[0];
		oldp = (const char *)a->args[1];
		newdfd = (int)a->args[2];
		newp = (const char *)a->args[3];
	}
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->olddfd = olddfd;
	e->newdfd = newdfd;
	e->flags = a->kind == RENAME_KIND_RENAMEAT2 ? (__u32)a->args[4] : 0;
	e->pad[0] = 0;
	e->pad[1] = 0;
	walk = (char *)e + SCRATCH_WALK;
	off = put_user_path(e->data, 0, olddfd, oldp, false, walk, &o, &damage);
	e->old_flags = o.flags;
	e->old_raw_len = o.raw_len;
	e->old_base_len = o.base_len;
	off = put_user_path(e->data, off, newdfd, newp, false, walk, &o, &damage);
	e->new_flags = o.flags;
	e->new_raw_len = o.raw_len;
	e->new_base_len = o.base_len;
	if (off > 4 * PATH_MAX_LEN)
		goto out;	/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct rename_event, data) + off, damage);
out:
	end_syscall(&rename_pending);
	return 0;
}

DEFINE_EXIT_ANY(renameat2)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
