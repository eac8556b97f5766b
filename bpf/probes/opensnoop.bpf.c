// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop: open, openat, openat2 and creat. sys_enter keeps the arguments,
 * sys_exit emits with the result and up to three paths: the raw path as the
 * caller's memory holds it at sys_exit, a relative one made absolute from
 * its base directory, and, for a successful open, the path of the file the
 * kernel actually opened (walked from the new fd), which a second thread
 * rewriting the caller's buffer cannot change.
 */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/path.h"
#include "lib/fd.h"
#include "lib/pending.h"
#include "opensnoop.h"

/* open flags (asm-generic/fcntl.h; not in vmlinux.h, which has no macros) */
#define O_WRONLY	01
#define O_CREAT		0100
#define O_TRUNC		01000

DEFINE_SCRATCH(open_scratch, struct scratch);

struct open_args {
	const char *path;
	const void *how;	/* openat2 only */
	__u64 flags;
	__u32 mode;
	__s32 dfd;
	__u16 kind;
	__u8 how_fault;		/* openat2: `how` was unreadable at sys_enter */
	__u8 live;		/* set by sys_enter, cleared by sys_exit */
};

/*
 * The open in flight, one slot per thread in task-local storage (as
 * bpf/lib/pending.h, whose comment says why): overwritten by the thread's
 * next open, a slot that cannot be created counts pending_full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct open_args);
} open_pending SEC(".maps");

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct opensnoop_exports {
	struct lib_exports lib;
	enum open_kind kind;
	enum open_event_flags ev_flags;
	enum opensnoop_limits limits;
	struct open_event record;
};
EXPORT_BTF(opensnoop_exports);

static __always_inline int stash_open(struct open_args *a)
{
	struct open_args *slot = pending_slot(&open_pending, true);

	if (!slot) {
		count_loss(LOSS_PENDING_FULL);
		return 0;
	}
	*slot = *a;
	slot->live = 1;
	return 0;
}

static __always_inline int enter_open_common(__u16 kind, int dfd, const char *path, __u64 flags, __u32 mode)
{
	struct open_args a = { .path = path, .flags = flags, .mode = mode, .dfd = dfd, .kind = kind };

	if (!should_trace())
		return 0;
	return stash_open(&a);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter_open_common(OPEN_KIND_OPENAT, (int)ctx->args[0], (const char *)ctx->args[1],
				 ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_args a = {
		.path = (const char *)ctx->args[1],
		.how = (const void *)ctx->args[2],
		.dfd = (int)ctx->args[0],
		.kind = OPEN_KIND_OPENAT2,
	};
	struct open_how how = {};

	if (!should_trace())
		return 0;
	/* a page not yet faulted in reads as a fault here: retried at sys_exit */
	if (bpf_probe_read_user(&how, sizeof(how), a.how))
		a.how_fault = 1;
	a.flags = how.flags;
	a.mode = how.mode;
	return stash_open(&a);
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter_open_common(OPEN_KIND_OPEN, AT_FDCWD, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	/* creat(p, m) is open(p, O_CREAT|O_WRONLY|O_TRUNC, m) */
	return enter_open_common(OPEN_KIND_CREAT, AT_FDCWD, (const char *)ctx->args[0], O_CREAT | O_WRONLY | O_TRUNC,
				 ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_open_by_handle_at")
int enter_open_by_handle_at(struct trace_event_raw_sys_enter *ctx)
{
	/* opens a file by handle, not by path: only the opened file's path tells what */
	return enter_open_common(OPEN_KIND_BY_HANDLE, (int)ctx->args[0], NULL, ctx->args[2], 0);
}

static __always_inline int handle_exit(long ret)
{
	struct open_args *a = pending_slot(&open_pending, false);
	enum damage damage = DAMAGE_NONE;
	struct open_event *e;
	__u32 off, start, len;
	struct path p;
	char *walk;
	bool cut;
	long n;

	if (!a || !a->live)
		return 0;
	e = scratch_of(&open_scratch);
	if (!e)
		goto out;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->dfd = a->dfd;
	e->flags = a->flags;
	e->mode = a->mode;
	e->ev_flags = 0;
	e->path_len = 0;
	e->abs_len = 0;
	e->real_len = 0;
	e->pad[0] = 0;
	e->pad[1] = 0;
	if (a->how_fault) {
		struct open_how how = {};

		/* the kernel has copied it by now, so its page is present */
		if (bpf_probe_read_user(&how, sizeof(how), a->how)) {
			e->ev_flags |= OPEN_F_FLAGS_FAULT;
			damaged(&damage, DAMAGE_FAULT);
		}
		e->flags = how.flags;
		e->mode = how.mode;
	}

	if (!a->path) {			/* open_by_handle_at: nothing to read */
		e->data[0] = 0;
		n = 1;
	} else if ((n = bpf_probe_read_user_str(e->data, OPEN_PATH_MAX, a->path)) <= 0) {
		e->ev_flags |= OPEN_F_PATH_FAULT;
		damaged(&damage, DAMAGE_FAULT);
		e->data[0] = 0;
		n = 1;
	} else if (n >= OPEN_PATH_MAX) {
		char c = 0;

		/* a full read is a 4095-byte path if its last byte is the NUL, else cut */
		n = OPEN_PATH_MAX;
		if (bpf_probe_read_user(&c, 1, a->path + OPEN_PATH_MAX - 1) || c) {
			e->ev_flags |= OPEN_F_PATH_TRUNCATED;
			damaged(&damage, DAMAGE_TRUNCATED);
		}
	}
	e->path_len = n;
	off = n;

	/* relative: base + "/" + the raw bytes already read (never a second user read) */
	if (n > 1 && e->data[0] != '/' && base_dir(a->dfd, &p)) {
		start = build_path(p.dentry, p.mnt, walk, &cut);
		len = PATH_MAX_LEN - start;
		if (cut) {
			e->ev_flags |= OPEN_F_ABS_TRUNCATED;
			damaged(&damage, DAMAGE_TRUNCATED);
		}
		walk[PATH_MAX_LEN - 1] = '/';	/* the base's NUL becomes the separator */
		if (len == 2)			/* the base is "/" */
			len = 1;
		if (off > OPEN_PATH_MAX || len > PATH_MAX_LEN || start > PATH_MASK)
			goto out;		/* unreachable: bounds for the verifier */
		bpf_probe_read_kernel(&e->data[off], len, &walk[start]);
		bpf_probe_read_kernel(&e->data[off + len], n, e->data);
		e->abs_len = len + n;
		off += len + n;
	}

	/* success: the file the kernel opened, whatever the caller's buffer says now */
	if (ret >= 0 && fd_path(ret, &p)) {
		start = build_path(p.dentry, p.mnt, walk, &cut);
		len = PATH_MAX_LEN - start;
		if (cut) {
			e->ev_flags |= OPEN_F_REAL_TRUNCATED;
			damaged(&damage, DAMAGE_TRUNCATED);
		}
		if (off > 3 * PATH_MAX_LEN || len > PATH_MAX_LEN || start > PATH_MASK)
			goto out;		/* unreachable: bounds for the verifier */
		bpf_probe_read_kernel(&e->data[off], len, &walk[start]);
		e->real_len = len;
		off += len;
	}
	if (off > 4 * PATH_MAX_LEN)
		goto out;			/* unreachable: bounds for the verifier */
	emit_damaged(e, __builtin_offsetof(struct open_event, data) + off, damage);
out:
	a->live = 0;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_open_by_handle_at")
int exit_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
