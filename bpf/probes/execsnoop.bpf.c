// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execsnoop: successful execs from sched_process_exec (argv and the chosen
 * environment variables read from the new mm, which is always populated
 * there, unlike at sys_enter_execve; the new exe_file tells a fileless exec),
 * failed execs from sys_exit_execve{,at} with what sys_enter saw. execveat
 * (fexecve, AT_EMPTY_PATH) reaches sched_process_exec like execve.
 */
/* execs are rare and this object loads at every start: the header the verifier checks fastest (lib/event.h) */
#define EBPFSH_HEADER_BY_HELPERS
#define PATH_BTF_WALK	1	/* bpf/lib/path.h: walk paths with plain loads through BTF pointers */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/path.h"
#include "execsnoop.h"

#define EXEC_PENDING_ENTRIES	10240
/* __data_loc fields of a tracepoint: the low 16 bits are the offset, the high 16 the length */
#define DATA_LOC_OFFSET_MASK	0xffff
/* a superblock of a kernel-internal mount (kern_mount): memfd's shmem, hugetlbfs (include/linux/fs.h) */
#define SB_KERNMOUNT		(1UL << 22)
/* include/uapi/linux/magic.h */
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define S_IWGRP_OTH		0022
/* a dentry name (NAME_MAX) with its NUL */
#define MEMFD_DNAME_MAX		256
/* where the env strings kept start at most, and end at most, in data[] */
#define ENV_START_MAX		(EXEC_FILENAME_MAX + PATH_MAX_LEN + EXEC_ARGS_MAX - 1)
#define ENV_END_MAX		(ENV_START_MAX + EXEC_ENV_MAX)
/* one env string read at a time: the longest name, '=', one byte past the value cap, NUL */
#define ENV_READ		(EXEC_ENV_NAME_MAX + 1 + EXEC_ENV_VALUE_MAX + 1 + 1)

_Static_assert(sizeof(struct exec_event) + ENV_END_MAX <= SCRATCH_WALK, "a whole record stays below the path walk");
_Static_assert(ENV_READ <= 2 * PATH_MAX_LEN, "an env string read fits the walk area");

DEFINE_SCRATCH(exec_scratch, struct scratch);

struct exec_args {
	const char *filename;
	const char *const *argv;
};

/*
 * Not an LRU map: an LRU evicts a pending exec without a trace. Keyed by tid,
 * deleted at sys_exit, and at sched_process_exec too (a thread other than the
 * leader that execs takes the leader's tid, so its own entry would have no
 * sys_exit); when the map is full the exec is counted as pending_full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EXEC_PENDING_ENTRIES);
	__type(key, __u32);
	__type(value, struct exec_args);
} exec_pending SEC(".maps");

/* The names of the env variables to keep: written by the engine after load, before attach. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_env_names);
} exec_env_names SEC(".maps");

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct execsnoop_exports {
	struct lib_exports lib;
	enum exec_kind kind;
	enum exec_flags flags;
	enum execsnoop_limits limits;
	enum exec_argc argc;
	enum exec_fileless fileless;
	enum exec_exe_marks exe_marks;
	struct exec_event record;
};
EXPORT_BTF(execsnoop_exports);

/*
 * What is wrong with a record, from its flags: each flag is a fault or a cut.
 * Derived at the end, not kept in a variable as it happens: the verifier
 * would follow each value such a variable can take through the rest of the
 * program (the flags are in map memory, which it reads as any value).
 */
static __always_inline enum damage damage_of(const struct exec_event *e)
{
	__u16 flags = e->flags;

	if (flags & (EXEC_F_ARGS_FAULT | EXEC_F_FILENAME_FAULT | EXEC_F_ENV_FAULT))
		return DAMAGE_FAULT;
	return flags ? DAMAGE_TRUNCATED : DAMAGE_NONE;
}

/* Bytes of a string at most EXEC_FILENAME_MAX long (with its NUL) read into dst: never 0, never wraps. */
static __always_inline __u32 read_filename(struct exec_event *e, const char *src, bool user)
{
	char c = 0;
	long n;

	n = user ? bpf_probe_read_user_str(e->data, EXEC_FILENAME_MAX, src)
		 : bpf_probe_read_kernel_str(e->data, EXEC_FILENAME_MAX, src);
	if (n <= 0) {
		e->flags |= EXEC_F_FILENAME_FAULT;
		e->data[0] = 0;
		return 1;
	}
	if (n < EXEC_FILENAME_MAX)
		return n;
	/* a full read is a 4095-byte name if its last byte is the NUL, else cut */
	if ((user ? bpf_probe_read_user(&c, 1, src + EXEC_FILENAME_MAX - 1)
		  : bpf_probe_read_kernel(&c, 1, src + EXEC_FILENAME_MAX - 1)) || c)
		e->flags |= EXEC_F_FILENAME_TRUNCATED;
	return EXEC_FILENAME_MAX;
}

/* The first EXEC_ENV_SLOT bytes of an env string, as env_name_len compares them. */
struct env_slot {
	__u64 w[EXEC_ENV_SLOT / 8];
};

/*
 * Bytes of the wanted "NAME=" that `s` starts with, or 0. A global function,
 * so the verifier checks it once, on its own, and env_step sees one answer
 * of any value: inline, each slot's return was a path of its own through the
 * rest of the step, checked again at every pass over the bpf_loop callback
 * (~160k verified instructions, ~150 ms, at every load).
 */
__noinline __u32 env_name_len(const struct exec_env_names *t, const struct env_slot *s)
{
	__u32 len = 0;

	if (!t || !s)
		return 0;
	for (int j = 0; j < EXEC_ENV_NAMES; j++) {
		__u64 diff = 0;

		if (!t->mask[j][0])
			return 0;
		for (int w = 0; w < EXEC_ENV_SLOT / 8; w++)
			diff |= (s->w[w] ^ t->want[j][w]) & t->mask[j][w];
		if (diff)
			continue;
		for (int k = 0; k < EXEC_ENV_SLOT / 8; k++)
			len += __builtin_popcountll(t->mask[j][k]) / 8;
		return len;
	}
	return 0;
}

/*
 * The env walk's counters. They live in the scratch buffer (after the env
 * string being read, in the path walk's area), not on the stack: the
 * verifier tracks a stack value exactly and checks the bpf_loop callback
 * again for each value the counters take (833k instructions, ~700 ms at
 * every load, 83% of the verifier's limit), while it reads map memory as
 * any value, so it checks env_step about once. The bounds it needs are
 * tested in env_step itself.
 */
struct env_state {
	__u64 pos;		/* the next user byte to read */
	__u64 end;		/* mm->env_end */
	__u32 start;		/* where the env strings start in e->data */
	__u32 used;		/* bytes of them so far */
	__u32 kept;
	__u8 skipping;		/* inside a string longer than ENV_READ - 1 bytes */
	__u8 dropped;
	__u8 fault;
};

/* Where env_state is in the walk area: past the env string read at its start, 8-aligned. */
#define ENV_STATE_AT	((ENV_READ + 7) & ~7)
_Static_assert(ENV_STATE_AT + sizeof(struct env_state) <= 2 * PATH_MAX_LEN, "the env walk's counters fit the walk area");

/* What env_step sees on the stack: pointers only, the same at every step. */
struct env_walk {
	struct exec_event *e;
	const struct exec_env_names *names;
	char *buf;		/* the path walk area, free again: one env string at a time */
	struct env_state *s;
};

/* One read: the start of an env string (kept if its name is wanted), or more of a long one to skip. */
static long env_step(__u32 i, void *ctx)
{
	struct env_walk *w = ctx;
	struct env_state *s = w->s;
	__u64 keep, room, at, used;	/* 64-bit: the bounds checked are the registers used */
	__u32 len;
	bool cut;
	long n;

	if (s->pos >= s->end)
		return 1;
	n = bpf_probe_read_user_str(w->buf, ENV_READ, (const void *)s->pos);
	if (n <= 0) {
		s->fault = 1;
		return 1;
	}
	/* n == ENV_READ: no NUL in the first ENV_READ - 1 bytes; the next read starts at the first unread one */
	if (s->skipping) {
		s->skipping = n == ENV_READ;
		s->pos += n == ENV_READ ? ENV_READ - 1 : n;
		return 0;
	}
	s->skipping = n == ENV_READ;
	s->pos += n == ENV_READ ? ENV_READ - 1 : n;
	/* the name's length, less the '=' */
	len = env_name_len(w->names, (const struct env_slot *)w->buf);
	if (!len)
		return 0;
	len -= 1;
	if (len < 1 || len > EXEC_ENV_NAME_MAX || n < len + 2)
		return 0;
	/* a whole read holds a value of at least EXEC_ENV_VALUE_MAX + 1 bytes (the name is at most EXEC_ENV_NAME_MAX) */
	cut = n == ENV_READ || n - len - 2 > EXEC_ENV_VALUE_MAX;
	keep = cut ? len + 1 + EXEC_ENV_VALUE_MAX : n - 1;
	used = s->used;
	if (s->kept >= EXEC_ENV_ENTRIES || used > EXEC_ENV_MAX || EXEC_ENV_MAX - used < len + 2) {
		s->dropped = 1;
		return 0;
	}
	room = EXEC_ENV_MAX - used;
	if (keep + 1 > room) {
		keep = room - 1;
		cut = true;
	}
	at = (__u64)s->start + used;
	if (at > ENV_END_MAX || keep > ENV_READ - 1)
		return 1;		/* unreachable: bounds for the verifier */
	bpf_probe_read_kernel(&w->e->data[at], keep, w->buf);
	w->e->data[at + keep] = 0;
	if (cut)
		w->e->env_cut |= 1U << (s->kept & (EXEC_ENV_ENTRIES - 1));
	s->kept++;
	s->used = used + keep + 1;
	return 0;
}

/*
 * The wanted NAME=value strings of the new image's env (user memory
 * env_start..env_end), appended at data[off] of the record in `sc`; returns
 * their bytes. A global function: the verifier checks it (and its bpf_loop
 * callback) once, with any arguments, not once for each state handle_exec
 * reaches the call in.
 */
__noinline __u64 read_env(struct scratch *sc, __u32 off, __u64 env_start, __u64 env_end)
{
	const struct exec_env_names *names;
	struct exec_event *e;
	struct env_state *s;
	struct env_walk w;
	__u32 zero = 0;
	char *walk;

	if (!sc)
		return 0;
	names = bpf_map_lookup_elem(&exec_env_names, &zero);
	if (!names || !names->mask[0][0])
		return 0;		/* no names asked for: nothing to read */
	e = (struct exec_event *)sc->buf;
	walk = sc->buf + SCRATCH_WALK;
	s = (struct env_state *)(walk + ENV_STATE_AT);
	w.e = e;
	w.names = names;
	w.buf = walk;
	w.s = s;
	s->pos = env_start;
	s->end = env_end;
	s->start = off;
	s->used = 0;
	s->kept = 0;
	s->skipping = 0;
	s->dropped = 0;
	s->fault = 0;
	bpf_loop(EXEC_ENV_STEPS, env_step, &w, 0);
	if (s->pos < s->end && !s->fault)
		e->flags |= EXEC_F_ENV_INCOMPLETE;
	if (s->dropped)
		e->flags |= EXEC_F_ENV_DROPPED;
	if (e->env_cut)
		e->flags |= EXEC_F_ENV_TRUNCATED;
	if (s->fault)
		e->flags |= EXEC_F_ENV_FAULT;
	return s->used;
}

/* Whether the new image runs from a file with no name on disk (enum exec_fileless). */
static __always_inline __u8 fileless_of(struct file *exe)
{
	if (BPF_CORE_READ(exe, f_path.mnt, mnt_sb, s_flags) & SB_KERNMOUNT)
		return EXEC_FILELESS_MEMFD;
	if (BPF_CORE_READ(exe, f_inode, __i_nlink) == 0)
		return EXEC_FILELESS_DELETED;
	return EXEC_FILELESS_NONE;
}

/* The inode time fields before 6.7 (i_mtime) and in 6.7-6.10 (__i_mtime); 6.11+ has i_mtime_sec/_nsec. */
struct inode___ts_old {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

struct inode___ts_mid {
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

/* overlayfs's inode around the VFS one (fs/overlayfs/ovl_entry.h): a non-NULL upper dentry is a copy in the upper layer. */
struct ovl_inode___ebpfsh {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/* Whether an overlayfs inode has its file in the upper layer (0 when the running kernel has no such type). */
static __always_inline bool overlay_upper(struct inode *inode)
{
	struct ovl_inode___ebpfsh *ovl;

	if (!bpf_core_type_exists(struct ovl_inode___ebpfsh))
		return false;
	ovl = (void *)inode - bpf_core_field_offset(struct ovl_inode___ebpfsh, vfs_inode);
	return BPF_CORE_READ(ovl, __upperdentry) != NULL;
}

/* The executed file's identity, mode, owner and marks into `e`. */
static __always_inline void read_exe_identity(struct exec_event *e, struct file *exe)
{
	struct inode *inode = BPF_CORE_READ(exe, f_inode);
	struct super_block *sb;
	__u16 mode;

	if (!inode)
		return;
	sb = BPF_CORE_READ(inode, i_sb);
	mode = BPF_CORE_READ(inode, i_mode);
	e->exe_dev = BPF_CORE_READ(sb, s_dev);
	e->exe_ino = BPF_CORE_READ(inode, i_ino);
	e->exe_size = BPF_CORE_READ(inode, i_size);
	e->exe_uid = BPF_CORE_READ(inode, i_uid.val);
	e->exe_mode = mode;
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		e->exe_mtime_sec = BPF_CORE_READ(inode, i_mtime_sec);
		e->exe_mtime_nsec = BPF_CORE_READ(inode, i_mtime_nsec);
	} else if (bpf_core_field_exists(((struct inode___ts_mid *)inode)->__i_mtime)) {
		e->exe_mtime_sec = BPF_CORE_READ((struct inode___ts_mid *)inode, __i_mtime.tv_sec);
		e->exe_mtime_nsec = BPF_CORE_READ((struct inode___ts_mid *)inode, __i_mtime.tv_nsec);
	} else {
		e->exe_mtime_sec = BPF_CORE_READ((struct inode___ts_old *)inode, i_mtime.tv_sec);
		e->exe_mtime_nsec = BPF_CORE_READ((struct inode___ts_old *)inode, i_mtime.tv_nsec);
	}
	e->exe_marks = EXEC_EXE_KNOWN;
	if (mode & S_IWGRP_OTH)
		e->exe_marks |= EXEC_EXE_OTHERS_WRITABLE;
	if (BPF_CORE_READ(sb, s_magic) == OVERLAYFS_SUPER_MAGIC && overlay_upper(inode))
		e->exe_marks |= EXEC_EXE_OVERLAY_UPPER;
}

/* No identity (a failed exec, or no exe_file). */
static __always_inline void clear_exe_identity(struct exec_event *e)
{
	e->exe_dev = 0;
	e->exe_ino = 0;
	e->exe_size = 0;
	e->exe_mtime_sec = 0;
	e->exe_mtime_nsec = 0;
	e->exe_uid = 0;
	e->exe_mode = 0;
	e->exe_marks = 0;
	e->pad2 = 0;
}

static __always_inline int handle_exec(const char *filename, __u32 old_tid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned long arg_start, arg_end, size;
	__u64 env_len;
	struct exec_event *e;
	struct file *exe;
	__u32 off, start, len;
	char *walk;
	bool cut;
	long n;

	/* this exec succeeded: its pending entry (under the tid it had) is done */
	bpf_map_delete_elem(&exec_pending, &old_tid);
	if (!should_trace())
		return 0;
	e = scratch_of(&exec_scratch);
	if (!e)
		return 0;
	walk = (char *)e + SCRATCH_WALK;
	fill_header(&e->hdr, EXEC_KIND_EXEC);
	e->ret = 0;
	e->argc = EXEC_ARGC_UNKNOWN;
	e->flags = 0;
	e->exe_len = 0;
	e->args_len = 0;
	e->env_len = 0;
	e->env_cut = 0;
	e->fileless = EXEC_FILELESS_NONE;
	e->pad = 0;
	clear_exe_identity(e);

	/* bprm->filename is the kernel's copy: the caller cannot rewrite it */
	off = read_filename(e, filename, false);
	e->filename_len = off;

	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		e->fileless = fileless_of(exe);
		if (e->fileless == EXEC_FILELESS_MEMFD) {
			/* its dentry is a root of its own: a walk gives "/"; as /proc/PID/exe, "/" + "memfd:<name>" */
			walk[0] = '/';
			n = bpf_probe_read_kernel_str(&walk[1], MEMFD_DNAME_MAX, BPF_CORE_READ(exe, f_path.dentry, d_name.name));
			if (n <= 0) {
				walk[1] = 0;
				n = 1;
			}
			start = 0;
			len = n + 1;
			cut = false;
		} else {
			start = build_path(BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt), walk, &cut);
			len = PATH_MAX_LEN - start;
		}
		if (cut)
			e->flags |= EXEC_F_EXE_TRUNCATED;
		if (off > EXEC_FILENAME_MAX || len > PATH_MAX_LEN || start > PATH_MASK)
			return 0;	/* unreachable: bounds for the verifier */
		bpf_probe_read_kernel(&e->data[off], len, &walk[start]);
		e->exe_len = len;
		off += len;
	}

	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	size = arg_end - arg_start;
	e->args_size = size > U32_MAX ? U32_MAX : size;
	len = size;
	if (size > EXEC_ARGS_MAX - 1) {
		len = EXEC_ARGS_MAX - 1;
		e->flags |= EXEC_F_ARGS_TRUNCATED;
	}
	if (off > EXEC_FILENAME_MAX + PATH_MAX_LEN)
		return 0;		/* unreachable: bounds for the verifier */
	if (bpf_probe_read_user(&e->data[off], len, (void *)arg_start)) {
		e->flags |= EXEC_F_ARGS_FAULT;
		len = 0;
	}
	e->args_len = len;
	off += len;
	if (off > ENV_START_MAX)
		return 0;		/* unreachable: bounds for the verifier */
	/* 64-bit: the verifier sees all of a global function's answer, so the test must be of all of it */
	env_len = read_env((struct scratch *)e, off, BPF_CORE_READ(task, mm, env_start), BPF_CORE_READ(task, mm, env_end));
	if (env_len > EXEC_ENV_MAX)
		return 0;		/* unreachable: bounds for the verifier */
	e->env_len = env_len;
	/* last: its branches (overlay, mode) then only reach the emit, which keeps the verifier's walk small */
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe)
		read_exe_identity(e, exe);
	emit_damaged(e, __builtin_offsetof(struct exec_event, data) + off + env_len, damage_of(e));
	return 0;
}

/*
 * The same hook and arguments as exec_btf, through the raw tracepoint: the
 * kernel's own bprm->filename and old pid, read the same way (BPF_CORE_READ),
 * with no tracefs and no attach BTF id, so loading it does not parse the
 * kernel's whole BTF (~10 ms of every start).
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(BPF_CORE_READ(bprm, filename), old_pid);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return handle_exec(BPF_CORE_READ(bprm, filename), old_pid);
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned short loc = ctx->__data_loc_filename & DATA_LOC_OFFSET_MASK;

	return handle_exec((const char *)ctx + loc, ctx->old_pid);
}

static __always_inline int stash_exec(const char *filename, const char *const *argv)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args a = { .filename = filename, .argv = argv };

	if (!should_trace())
		return 0;
	if (bpf_map_update_elem(&exec_pending, &tid, &a, BPF_ANY))
		count_loss(LOSS_PENDING_FULL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return stash_exec((const char *)ctx->args[0], (const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return stash_exec((const char *)ctx->args[1], (const char *const *)ctx->args[2]);
}

#define FAILED_ARGS_END	(EXEC_FILENAME_MAX + EXEC_FAILED_ARGS * EXEC_FAILED_ARG_MAX)

_Static_assert(sizeof(struct exec_event) + FAILED_ARGS_END <= SCRATCH_WALK, "a failed exec's record stays below its walk's counters");

/* The argv walk's counters: in the scratch buffer's walk area, for the reason env_state is (see there). */
struct argv_state {
	__u32 off;
	__u32 argc;
	__u8 fault;
	__u8 truncated;
};

/* What argv_step sees on the stack: pointers only, the same at every step. */
struct argv_walk {
	const char *const *argv;
	struct exec_event *e;
	struct argv_state *s;
};

static long argv_step(__u32 i, void *ctx)
{
	struct argv_walk *w = ctx;
	struct argv_state *s = w->s;
	const char *arg = NULL;
	__u32 off = s->off;
	char c = 0;
	long n;

	if (bpf_probe_read_user(&arg, sizeof(arg), &w->argv[i])) {
		s->fault = 1;	/* an unreadable argv pointer: the rest is unknown */
		return 1;
	}
	if (!arg)
		return 1;
	if (i == EXEC_FAILED_ARGS) {	/* one more than we keep */
		s->truncated = 1;
		return 1;
	}
	if (off > FAILED_ARGS_END - EXEC_FAILED_ARG_MAX)
		return 1;		/* unreachable: bounds for the verifier */
	n = bpf_probe_read_user_str(&w->e->data[off], EXEC_FAILED_ARG_MAX, arg);
	if (n <= 0) {
		s->fault = 1;
		return 1;
	}
	if (n >= EXEC_FAILED_ARG_MAX) {
		n = EXEC_FAILED_ARG_MAX;
		if (bpf_probe_read_user(&c, 1, arg + EXEC_FAILED_ARG_MAX - 1) || c)
			s->truncated = 1;
	}
	s->off = off + n;
	s->argc++;
	return 0;
}

/* A failed exec: the caller's memory is intact, so read what it passed. */
static __always_inline int handle_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct exec_args *a = bpf_map_lookup_elem(&exec_pending, &tid);
	struct argv_state *s;
	struct argv_walk w;
	struct exec_event *e;
	__u32 n, off;

	if (!a)
		return 0;
	if (ret >= 0 || !(e = scratch_of(&exec_scratch)))
		goto out;
	fill_header(&e->hdr, EXEC_KIND_FAILED);
	e->ret = ret;
	e->flags = 0;
	e->exe_len = 0;
	e->env_len = 0;
	e->env_cut = 0;
	e->fileless = EXEC_FILELESS_NONE;
	e->pad = 0;
	clear_exe_identity(e);
	n = read_filename(e, a->filename, true);
	e->filename_len = n;
	s = (struct argv_state *)((char *)e + SCRATCH_WALK);
	s->off = n;
	s->argc = 0;
	s->fault = 0;
	s->truncated = 0;
	w.argv = a->argv;
	w.e = e;
	w.s = s;
	if (w.argv)	/* execve(path, NULL, ...) is a valid empty argv */
		bpf_loop(EXEC_FAILED_ARGS + 1, argv_step, &w, 0);
	if (s->fault)
		e->flags |= EXEC_F_ARGS_FAULT;
	if (s->truncated)
		e->flags |= EXEC_F_ARGS_TRUNCATED;
	e->argc = (s->fault || s->truncated) ? EXEC_ARGC_UNKNOWN : s->argc;
	off = s->off;
	if (off < n || off > FAILED_ARGS_END)
		goto out;		/* unreachable: bounds for the verifier */
	e->args_len = off - n;
	e->args_size = e->args_len;
	emit_damaged(e, __builtin_offsetof(struct exec_event, data) + off, damage_of(e));
out:
	bpf_map_delete_elem(&exec_pending, &tid);
	return 0;
}

/*
 * Also attached to sys_exit_execveat (the spec's HookChoice.at): every
 * sys_exit_* record is the same (the syscall number and its return), so one
 * program, verified once (~5 ms of CPU at every start), serves both.
 */
SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return handle_exit(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
