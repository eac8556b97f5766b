// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * setxattr: setxattr, lsetxattr, fsetxattr and setxattrat. sys_enter keeps
 * the arguments (after the in-kernel filter), sys_exit emits them with the
 * result, the attribute's name, the path (bpf/lib/user_path.h) and the
 * value's first bytes: a whole security.capability (struct vfs_ns_cap_data),
 * which userspace decodes. Everything is read at sys_exit, after the kernel
 * copied it, so its pages are present.
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/user_path.h"
#include "setxattr.h"

DEFINE_SCRATCH(setxattr_scratch, struct scratch);

/* setxattrat's struct xattr_args (uapi, 6.13): our own copy, so kernels without it still build */
struct setxattr_uargs {
	__u64 value;
	__u32 size;
	__u32 flags;
};
DEFINE_PENDING(setxattr_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct setxattr_exports {
	struct lib_exports lib;
	enum setxattr_kind kind;
	enum setxattr_limits limits;
	enum setxattr_abi abi;
	enum setxattr_event_flags ev_flags;
	struct setxattr_event record;
};
EXPORT_BTF(setxattr_exports);

/* Appends the attribute's name at data[0]; returns its length with the NUL. */
static __always_inline __u32 put_name(struct setxattr_event *e, const char *name, enum damage *damage)
{
	long n = bpf_probe_read_user_str(e->data, SETXATTR_NAME_LEN, name);

	if (n <= 0) {
		e->ev_flags |= SETXATTR_F_NAME_FAULT;
		damaged(damage, DAMAGE_FAULT);
		e->data[0] = 0;
		return 1;
	}
	if (n >= SETXATTR_NAME_LEN) {
		char c = 0;

		/* a full read is a 255-byte name if its last byte is the NUL, else cut */
		n = SETXATTR_NAME_LEN;
		if (bpf_probe_read_user(&c, 1, name + SETXATTR_NAME_LEN - 1) || c) {
			e->ev_flags |= SETXATTR_F_NAME_TRUNCATED;
			damaged(damage, DAMAGE_TRUNCATED);
		}
	}
	return n;
}

static __always_inline int handle_exit(long ret)
{
	struct syscall_args *a = pending_syscall(&setxattr_pending);
	enum damage damage = DAMAGE_NONE;
	struct user_path_out o = {};
	struct setxattr_event *e;
	const char *up = NULL, *name;
	const void *value;
	__u32 off, n;
	char *walk;
	int fd;

	if (!a)
		return 0;
	e = scratch_of(&setxattr_scratch);
	if (!e)
		goto out;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->ev_flags = 0;
	e->at_flags = 0;
	e->value_len = 0;
	if (a->kind == SETXATTR_KIND_SETXATTRAT) {
		/* (dfd, path, at_flags, name, struct xattr_args *uargs, usize) */
		struct setxattr_uargs xa = {};

		fd = (int)a->args[0];
		up = (const char *)a->args[1];
		e->at_flags = (__u32)a->args[2];
		name = (const char *)a->args[3];
		if (bpf_probe_read_user(&xa, sizeof(xa), (const void *)a->args[4])) {
			e->ev_flags |= SETXATTR_F_ARGS_FAULT;
			damaged(&damage, DAMAGE_FAULT);
		}
		value = (const void *)xa.value;
		e->size = xa.size;
		e->flags = xa.flags;
	} else {
		/* (path or fd, name, value, size, flags) */
		if (a->kind == SETXATTR_KIND_FSETXATTR) {
			fd = (int)a->args[0];
		} else {
			fd = AT_FDCWD;
			up = (const char *)a->args[0];
			if (a->kind == SETXATTR_KIND_LSETXATTR)
				e->at_flags = SETXATTR_AT_SYMLINK_NOFOLLOW;
		}
		name = (const char *)a->args[1];
		value = (const void *)a->args[2];
		e->size = a->args[3];
		e->flags = (__u32)a->args[4];
	}
	e->fd = fd;

	n = e->size < SETXATTR_VALUE_HEAD ? e->size : SETXATTR_VALUE_HEAD;
	if (n && !(e->ev_flags & SETXATTR_F_ARGS_FAULT)) {
		if (bpf_probe_read_user(e->value, n, value)) {
			e->ev_flags |= SETXATTR_F_VALUE_FAULT;
			damaged(&damage, DAMAGE_FAULT);
		} else {
			e->value_len = n;
		}
	}

	off = put_name(e, name, &damage);
	e->name_len = off;
	if (up)
		off = put_user_path(e->data, off, fd, up, e->at_flags & SETXATTR_AT_EMPTY_PATH, walk, &o, &damage);
	else
		off = put_fd_path(e->data, off, fd, walk, &o, &damage);
	e->path_flags = o.flags;
	e->raw_len = o.raw_len;
	e->base_len = o.base_len;
	if (off > SETXATTR_NAME_LEN + 2 * PATH_MAX_LEN)
		goto out;			/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct setxattr_event, data) + off, damage);
out:
	end_syscall(&setxattr_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_setxattr")
int enter_setxattr(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&setxattr_pending, SETXATTR_KIND_SETXATTR, ctx);
}

SEC("tracepoint/syscalls/sys_enter_lsetxattr")
int enter_lsetxattr(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&setxattr_pending, SETXATTR_KIND_LSETXATTR, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fsetxattr")
int enter_fsetxattr(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&setxattr_pending, SETXATTR_KIND_FSETXATTR, ctx);
}

SEC("tracepoint/syscalls/sys_enter_setxattrat")
int enter_setxattrat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&setxattr_pending, SETXATTR_KIND_SETXATTRAT, ctx);
}

DEFINE_EXIT_ANY(setxattr)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
