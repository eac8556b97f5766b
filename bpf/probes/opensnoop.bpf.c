// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * opensnoop: open, openat, openat2, creat and open_by_handle_at, from
 * sys_exit alone (one program, attached to each syscall's sys_exit): the
 * arguments are the caller's registers as the syscall took them (the kernel
 * saved them at entry and leaves them unchanged), so no sys_enter program
 * runs and nothing is kept between the two. Emitted
 * with the result and up to three paths: the raw path as the caller's memory
 * holds it at sys_exit, a relative one made absolute from its base
 * directory, and, for a successful open, the path of the file the kernel
 * actually opened (walked from the new fd), which a second thread rewriting
 * the caller's buffer cannot change.
 */
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/path.h"
#include "lib/fd.h"
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
};

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct opensnoop_exports {
	struct lib_exports lib;
	enum open_kind kind;
	enum open_event_flags ev_flags;
	enum opensnoop_limits limits;
	struct open_event record;
};
EXPORT_BTF(opensnoop_exports);

/*
 * The call's arguments, from the registers the syscall entry saved (plain
 * loads through the task's BTF pointer: x86_64 keeps the fourth in r10).
 * Only a native syscall reaches these tracepoints (not a 32-bit compat one),
 * so the registers are the native calling convention's.
 */
static __always_inline void open_args_of(struct task_struct *task, __u16 kind, struct open_args *a)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	a->how = NULL;
	switch (kind) {
	case OPEN_KIND_OPENAT:
		a->dfd = (int)PT_REGS_PARM1_SYSCALL(regs);
		a->path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		a->flags = PT_REGS_PARM3_SYSCALL(regs);
		a->mode = PT_REGS_PARM4_SYSCALL(regs);
		break;
	case OPEN_KIND_OPENAT2:
		a->dfd = (int)PT_REGS_PARM1_SYSCALL(regs);
		a->path = (const char *)PT_REGS_PARM2_SYSCALL(regs);
		a->how = (const void *)PT_REGS_PARM3_SYSCALL(regs);
		a->flags = 0;
		a->mode = 0;
		break;
	case OPEN_KIND_OPEN:
		a->dfd = AT_FDCWD;
		a->path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		a->flags = PT_REGS_PARM2_SYSCALL(regs);
		a->mode = PT_REGS_PARM3_SYSCALL(regs);
		break;
	case OPEN_KIND_CREAT:
		/* creat(p, m) is open(p, O_CREAT|O_WRONLY|O_TRUNC, m) */
		a->dfd = AT_FDCWD;
		a->path = (const char *)PT_REGS_PARM1_SYSCALL(regs);
		a->flags = O_CREAT | O_WRONLY | O_TRUNC;
		a->mode = PT_REGS_PARM2_SYSCALL(regs);
		break;
	default:
		/* open_by_handle_at: opens a file by handle, not by path: only the opened file's path tells what */
		a->dfd = (int)PT_REGS_PARM1_SYSCALL(regs);
		a->path = NULL;
		a->flags = PT_REGS_PARM3_SYSCALL(regs);
		a->mode = 0;
		break;
	}
}

static __always_inline int handle_exit(long ret, __u16 kind)
{
	/* fetched once: every helper call costs ~8 ns here (bpf/lib/fd.h) */
	struct task_struct *task = bpf_get_current_task_btf();
	struct open_args args, *a = &args;
	enum damage damage = DAMAGE_NONE;
	struct open_event *e;
	__u32 off, start, len;
	struct path p;
	char *walk;
	bool cut;
	long n;

	if (!should_trace_task(task))
		return 0;
	e = scratch_of(&open_scratch);
	if (!e)
		return 0;
	open_args_of(task, kind, a);
	walk = (char *)e + SCRATCH_WALK;
	fill_header_task(&e->hdr, kind, task);
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
	if (kind == OPEN_KIND_OPENAT2) {
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
	if (n > 1 && e->data[0] != '/' && base_dir(task, a->dfd, &p)) {
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
	if (ret >= 0 && fd_path(task, ret, &p)) {
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
	return 0;
}

/*
 * The syscall numbers of the opens (asm/unistd.h; not in vmlinux.h, which has
 * no macros). arm64 has neither open nor creat: those hooks are optional.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_OPEN			2
#define NR_CREAT		85
#define NR_OPENAT		257
#define NR_OPEN_BY_HANDLE_AT	304
#define NR_OPENAT2		437
#elif defined(__TARGET_ARCH_arm64)
#define NR_OPEN			-1
#define NR_CREAT		-1
#define NR_OPENAT		56
#define NR_OPEN_BY_HANDLE_AT	265
#define NR_OPENAT2		437
#else
#error "opensnoop: add this architecture's syscall numbers of the opens"
#endif

/*
 * One program for the five opens, attached to each sys_exit tracepoint (the
 * probe's hooks say where: HookChoice.at): the kernel verifies it once, not
 * once per syscall (opensnoop's load: ~47k instructions processed -> ~19k).
 * The context's id is the syscall's number; openat, the one that matters for
 * speed, is tested first.
 */
SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	int nr = (int)ctx->id;	/* the kernel's context has an int there, then padding */
	__u16 kind;

	if (nr == NR_OPENAT)
		kind = OPEN_KIND_OPENAT;
	else if (nr == NR_OPENAT2)
		kind = OPEN_KIND_OPENAT2;
	else if (nr == NR_OPEN)
		kind = OPEN_KIND_OPEN;
	else if (nr == NR_CREAT)
		kind = OPEN_KIND_CREAT;
	else if (nr == NR_OPEN_BY_HANDLE_AT)
		kind = OPEN_KIND_BY_HANDLE;
	else
		return 0;
	/* one body for every kind: clang would otherwise inline a copy of it per kind, and the verifier check each */
	barrier_var(kind);
	return handle_exit(ctx->ret, kind);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
