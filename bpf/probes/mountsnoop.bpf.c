// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mountsnoop: mount(2), umount2(2), move_mount(2), fsopen(2), fsmount(2) and
 * pivot_root(2). sys_enter keeps the arguments, sys_exit emits them with the
 * result: path arguments as raw bytes plus the directory a relative one is
 * resolved against (bpf/lib/user_path.h), mount(2)'s source as the string it
 * is (a device, "tmpfs", "server:/export") unless the call makes it a path
 * (MS_BIND, MS_MOVE), the filesystem type and the options string.
 */
/* two path walks in one program: the walk with plain loads verifies (bpf/lib/path.h) */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "mountsnoop.h"

/* Highest data[] offset the type and options strings may start at: after two paths. */
#define MOUNT_STR_OFF_MAX	(2 * UPATH_MAX_OFF)

_Static_assert(__builtin_offsetof(struct mount_event, data) + MOUNT_STR_OFF_MAX + MOUNT_TYPE_MAX + MOUNT_DATA_MAX <=
		       SCRATCH_WALK, "a record with two paths, type and options stays clear of the path walk");

DEFINE_SCRATCH(mount_scratch, struct scratch);
DEFINE_PENDING(mount_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct mountsnoop_exports {
	struct lib_exports lib;
	enum mount_kind kind;
	enum mountsnoop_limits limits;
	enum mount_event_flags ev_flags;
	enum mount_ms_flags ms;
	enum mount_misc misc;
	enum mount_umount_flags umount;
	enum mount_move_flags move;
	enum mount_attr_flags attr;
	enum mount_fd_flags fd;
	struct mount_event record;
};
EXPORT_BTF(mountsnoop_exports);

/*
 * Appends the caller's string `up` at data[off] (off <= MOUNT_STR_OFF_MAX +
 * MOUNT_TYPE_MAX), at most `max` bytes with the NUL; returns its length, 0
 * for a NULL pointer (an argument not given). `max` is a constant.
 */
static __always_inline __u32 put_user_str(char *data, __u32 off, const char *up, __u32 max, __u16 cut_flag,
					  struct mount_event *e, enum damage *damage)
{
	long n;

	if (!up)
		return 0;
	if (off > MOUNT_STR_OFF_MAX + MOUNT_TYPE_MAX)
		return 0;	/* unreachable: bounds for the verifier */
	n = bpf_probe_read_user_str(&data[off], max, up);
	if (n <= 0) {
		e->ev_flags |= MOUNT_F_STRING_FAULT;
		damaged(damage, DAMAGE_FAULT);
		data[off] = 0;
		return 1;
	}
	if (n >= max) {
		char c = 0;

		/* a full read is a string of max - 1 bytes if its last byte is the NUL, else cut */
		n = max;
		if (bpf_probe_read_user(&c, 1, up + max - 1) || c) {
			e->ev_flags |= cut_flag;
			damaged(damage, DAMAGE_TRUNCATED);
		}
	}
	return n;
}

/* Appends a path argument (user_path.h) and notes its lengths; NULL is an argument not given. */
static __always_inline __u32 put_path_arg(char *data, __u32 off, int dfd, const char *up, bool empty_is_dfd, char *walk,
					  __u16 *len, __u16 *base_len, __u16 *flags, enum damage *damage)
{
	struct user_path_out o = {};
	__u32 end;

	if (!up || off > UPATH_MAX_OFF)
		return off;
	end = put_user_path(data, off, dfd, up, empty_is_dfd, walk, &o, damage);
	*len = o.raw_len;
	*base_len = o.base_len;
	*flags = o.flags;
	return end;
}

/*
 * `kind` is each exit program's own constant, so clang keeps only that call's
 * branch: a program verifies only the paths and strings its call has.
 */
static __always_inline int handle_exit(long ret, const __u16 kind)
{
	struct syscall_args *a = pending_syscall(&mount_pending);
	enum damage damage = DAMAGE_NONE;
	struct mount_event *e;
	const char *source = NULL, *target = NULL, *type = NULL, *opts = NULL;
	int source_dfd = AT_FDCWD, target_dfd = AT_FDCWD;
	bool source_path = false, source_empty = false, target_empty = false;
	__u32 off = 0, n;
	char *walk;

	if (!a)
		return 0;
	if (a->kind != kind)
		goto out;	/* unreachable: a sys_exit follows its own sys_enter */
	e = scratch_of(&mount_scratch);
	if (!e)
		goto out;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, kind);
	e->ret = ret;
	e->from_dfd = AT_FDCWD;
	e->to_dfd = AT_FDCWD;
	e->source_flags = 0;
	e->target_flags = 0;
	e->flags = 0;
	e->attr_flags = 0;
	e->ev_flags = 0;
	e->source_len = 0;
	e->source_base_len = 0;
	e->target_len = 0;
	e->target_base_len = 0;
	e->type_len = 0;
	e->data_len = 0;
	e->pad = 0;

	switch (kind) {
	case MOUNT_KIND_MOUNT:
		source = (const char *)a->args[0];
		target = (const char *)a->args[1];
		type = (const char *)a->args[2];
		e->flags = a->args[3];
		opts = (const char *)a->args[4];
		/* a bind or move mount's source is a path; otherwise a string only the filesystem reads */
		source_path = (e->flags & (MS_BIND | MS_MOVE)) != 0;
		break;
	case MOUNT_KIND_UMOUNT:
		target = (const char *)a->args[0];
		e->flags = a->args[1];
		break;
	case MOUNT_KIND_MOVE_MOUNT:
		source_dfd = (int)a->args[0];
		source = (const char *)a->args[1];
		target_dfd = (int)a->args[2];
		target = (const char *)a->args[3];
		e->flags = a->args[4];
		e->from_dfd = source_dfd;
		e->to_dfd = target_dfd;
		source_path = true;
		source_empty = (e->flags & MOVE_MOUNT_F_EMPTY_PATH) != 0;
		target_empty = (e->flags & MOVE_MOUNT_T_EMPTY_PATH) != 0;
		break;
	case MOUNT_KIND_FSOPEN:
		type = (const char *)a->args[0];
		e->flags = a->args[1];
		break;
	case MOUNT_KIND_FSMOUNT:
		e->from_dfd = (int)a->args[0];
		e->flags = a->args[1];
		e->attr_flags = a->args[2];
		break;
	case MOUNT_KIND_PIVOT_ROOT:
		target = (const char *)a->args[0];
		source = (const char *)a->args[1];
		source_path = true;
		break;
	}

	if (source_path) {
		e->ev_flags |= MOUNT_F_SOURCE_PATH;
		off = put_path_arg(e->data, 0, source_dfd, source, source_empty, walk, &e->source_len,
				   &e->source_base_len, &e->source_flags, &damage);
	} else {
		off = put_user_str(e->data, 0, source, PATH_MAX_LEN, MOUNT_F_SOURCE_TRUNCATED, e, &damage);
		e->source_len = off;
	}
	if (off > UPATH_MAX_OFF)
		goto out;	/* unreachable: bounds for the verifier */
	off = put_path_arg(e->data, off, target_dfd, target, target_empty, walk, &e->target_len, &e->target_base_len,
			   &e->target_flags, &damage);
	if (off > MOUNT_STR_OFF_MAX)
		goto out;	/* unreachable: bounds for the verifier */
	n = put_user_str(e->data, off, type, MOUNT_TYPE_MAX, MOUNT_F_TYPE_TRUNCATED, e, &damage);
	e->type_len = n;
	off += n;
	if (off > MOUNT_STR_OFF_MAX + MOUNT_TYPE_MAX)
		goto out;	/* unreachable: bounds for the verifier */
	n = put_user_str(e->data, off, opts, MOUNT_DATA_MAX, MOUNT_F_DATA_TRUNCATED, e, &damage);
	e->data_len = n;
	off += n;
	if (off > MOUNT_STR_OFF_MAX + MOUNT_TYPE_MAX + MOUNT_DATA_MAX)
		goto out;	/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct mount_event, data) + off, damage);
out:
	end_syscall(&mount_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mount")
int enter_mount(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_MOUNT, ctx);
}

SEC("tracepoint/syscalls/sys_exit_mount")
int exit_mount(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_MOUNT);
}

SEC("tracepoint/syscalls/sys_enter_umount")
int enter_umount(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_UMOUNT, ctx);
}

SEC("tracepoint/syscalls/sys_exit_umount")
int exit_umount(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_UMOUNT);
}

SEC("tracepoint/syscalls/sys_enter_move_mount")
int enter_move_mount(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_MOVE_MOUNT, ctx);
}

SEC("tracepoint/syscalls/sys_exit_move_mount")
int exit_move_mount(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_MOVE_MOUNT);
}

SEC("tracepoint/syscalls/sys_enter_fsopen")
int enter_fsopen(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_FSOPEN, ctx);
}

SEC("tracepoint/syscalls/sys_exit_fsopen")
int exit_fsopen(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_FSOPEN);
}

SEC("tracepoint/syscalls/sys_enter_fsmount")
int enter_fsmount(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_FSMOUNT, ctx);
}

SEC("tracepoint/syscalls/sys_exit_fsmount")
int exit_fsmount(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_FSMOUNT);
}

SEC("tracepoint/syscalls/sys_enter_pivot_root")
int enter_pivot_root(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&mount_pending, MOUNT_KIND_PIVOT_ROOT, ctx);
}

SEC("tracepoint/syscalls/sys_exit_pivot_root")
int exit_pivot_root(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret, MOUNT_KIND_PIVOT_ROOT);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
