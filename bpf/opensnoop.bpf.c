// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop: open, openat, openat2 and creat. sys_enter keeps the arguments,
 * sys_exit emits with the result; a relative path is resolved to an absolute
 * one from the opened file (or the cwd when the open failed).
 */
#include "common.h"
#include "opensnoop.h"

#define AT_FDCWD	-100

DEFINE_SCRATCH(open_scratch);

struct open_args {
	const char *path;
	__u64 flags;
	__u32 mode;
	__s32 dfd;
	__u16 kind;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct open_args);
} open_pending SEC(".maps");

const struct open_event *unused_open_event __attribute__((unused));

static __always_inline int stash_open(__u16 kind, int dfd, const char *path, __u64 flags, __u32 mode)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args a = { .path = path, .flags = flags, .mode = mode, .dfd = dfd, .kind = kind };

	if (!should_trace())
		return 0;
	bpf_map_update_elem(&open_pending, &tid, &a, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_open(OPEN_KIND_OPENAT, (int)ctx->args[0], (const char *)ctx->args[1],
			  ctx->args[2], ctx->args[3]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return stash_open(OPEN_KIND_OPENAT2, (int)ctx->args[0], (const char *)ctx->args[1],
			  how.flags, how.mode);
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return stash_open(OPEN_KIND_OPEN, AT_FDCWD, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	/* creat(p, m) is open(p, O_CREAT|O_WRONLY|O_TRUNC, m) */
	return stash_open(OPEN_KIND_CREAT, AT_FDCWD, (const char *)ctx->args[0], 01 | 0100 | 01000,
			  ctx->args[1]);
}

/* Where a relative path was resolved from: the new fd's file, else the cwd. */
static __always_inline bool resolve_base(int fd, int dfd, struct path *out)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs;

	if (fd >= 0) {
		struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
		struct file *f = NULL;

		bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xfffff]);
		if (!f)
			return false;
		bpf_core_read(out, sizeof(*out), &f->f_path);
		return true;
	}
	if (dfd != AT_FDCWD)
		return false;
	fs = BPF_CORE_READ(task, fs);
	bpf_core_read(out, sizeof(*out), &fs->pwd);
	return true;
}

static __always_inline int handle_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct open_args *a = bpf_map_lookup_elem(&open_pending, &tid);
	struct open_event *e;
	struct path base;
	__u32 off;
	long n;

	if (!a)
		return 0;
	e = scratch_of(&open_scratch);
	if (!e)
		goto out;
	fill_header(&e->hdr, a->kind);
	e->ret = ret;
	e->dfd = a->dfd;
	e->flags = a->flags;
	e->mode = a->mode;
	e->ev_flags = 0;
	e->abs_len = 0;
	n = bpf_probe_read_user_str(e->data, OPEN_PATH_MAX, a->path);
	if (n <= 0) {
		e->ev_flags |= OPEN_F_PATH_FAULT;
		count_loss(LOSS_STRING_FAULT);
		e->data[0] = 0;
		n = 1;
	} else if (n == OPEN_PATH_MAX) {
		e->ev_flags |= OPEN_F_PATH_TRUNCATED;
		count_loss(LOSS_TRUNCATED);
	}
	e->path_len = n;
	off = n & (OPEN_PATH_MAX - 1);
	if (n > 1 && e->data[0] != '/' && resolve_base(ret, a->dfd, &base)) {
		char *tmp = (char *)e + 8192;
		bool truncated;
		__u32 start, len;

		start = build_path(base.dentry, base.mnt, tmp, &truncated);
		len = PATH_MAX_LEN - (start & PATH_MASK);
		if (truncated)
			e->ev_flags |= OPEN_F_ABS_TRUNCATED;
		if (ret < 0) {
			/* cwd + "/" + raw path: the base ends in NUL, make it a '/' */
			tmp[PATH_MAX_LEN - 1] = '/';
			if (len == 2)	/* cwd is "/" */
				len = 1;
			bpf_probe_read_kernel(&e->data[off], len & PATH_MASK, &tmp[start & PATH_MASK]);
			bpf_probe_read_user_str(&e->data[(off + len) & 4095], OPEN_PATH_MAX, a->path);
			len += n;
		} else {
			bpf_probe_read_kernel(&e->data[off], len & PATH_MASK, &tmp[start & PATH_MASK]);
		}
		e->abs_len = len;
		off += len;
	}
	emit(e, (__builtin_offsetof(struct open_event, data) + off) & 8191);
out:
	bpf_map_delete_elem(&open_pending, &tid);
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

SEC("tracepoint/syscalls/sys_exit_creat")
int exit_creat(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
