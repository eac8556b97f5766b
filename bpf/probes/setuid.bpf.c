// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * setuid: set*uid, set*gid, setfs*id and capset, with the caller's ids and
 * effective capabilities before (at sys_enter) and after (at sys_exit), so a
 * responder sees what a process became, not only what it asked for. The
 * record is built at sys_enter and kept by tid until sys_exit.
 */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "setuid.h"

#define CAP_V1		0x19980330	/* _LINUX_CAPABILITY_VERSION_1: one 32-bit set */
#define CRED_PENDING_ENTRIES	10240

/*
 * Not an LRU map: an LRU evicts a call in flight without a trace. A thread has
 * one entry at most (keyed by tid) and sys_exit deletes it; when the map is
 * full the call is counted as pending_full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CRED_PENDING_ENTRIES);
	__type(key, __u32);
	__type(value, struct cred_event);
} cred_pending SEC(".maps");

/* the record of a call in flight is built here, then kept in cred_pending */
DEFINE_SCRATCH(cred_scratch, struct cred_event);

/* capset's user-space arguments, as in linux/capability.h */
struct cap_header {
	__u32 version;
	__s32 pid;
};

struct cap_data {
	__u32 effective;
	__u32 permitted;
	__u32 inheritable;
};

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct setuid_exports {
	struct lib_exports lib;
	enum cred_kind kind;
	enum cred_event_flags ev_flags;
	struct cred_event record;
};
EXPORT_BTF(setuid_exports);

static __always_inline bool is_gid(__u16 kind)
{
	return kind >= CRED_KIND_SETGID && kind <= CRED_KIND_SETFSGID;
}

/* The uids (or gids) and effective capabilities of current's subjective cred. */
static __always_inline void read_ids(bool gid, __u32 *real, __u32 *eff, __u32 *saved, __u32 *fs, __u64 *caps)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const struct cred *c = BPF_CORE_READ(task, cred);

	if (gid) {
		*real = BPF_CORE_READ(c, gid.val);
		*eff = BPF_CORE_READ(c, egid.val);
		*saved = BPF_CORE_READ(c, sgid.val);
		*fs = BPF_CORE_READ(c, fsgid.val);
	} else {
		*real = BPF_CORE_READ(c, uid.val);
		*eff = BPF_CORE_READ(c, euid.val);
		*saved = BPF_CORE_READ(c, suid.val);
		*fs = BPF_CORE_READ(c, fsuid.val);
	}
	/* kernel_cap_t is one u64 since 6.3, two u32 before: the same 8 bytes either way */
	bpf_core_read(caps, sizeof(*caps), &c->cap_effective);
}

/* capset's header and sets; false when user memory could not be read (yet). */
static __always_inline bool read_caps(struct cred_event *e, const struct cap_header *uh, const struct cap_data *ud)
{
	struct cap_header h;
	struct cap_data d[2] = {};

	if (bpf_probe_read_user(&h, sizeof(h), uh) || bpf_probe_read_user(&d[0], sizeof(d[0]), ud))
		return false;
	/* v2 and v3 pass two structs: the upper 32 capabilities in the second */
	if (h.version != CAP_V1 && bpf_probe_read_user(&d[1], sizeof(d[1]), &ud[1]))
		return false;
	e->cap_version = h.version;
	e->cap_pid = h.pid;
	e->cap_eff = d[0].effective | (__u64)d[1].effective << 32;
	e->cap_prm = d[0].permitted | (__u64)d[1].permitted << 32;
	e->cap_inh = d[0].inheritable | (__u64)d[1].inheritable << 32;
	return true;
}

static __always_inline int handle_enter(__u16 kind, const struct trace_event_raw_sys_enter *ctx, int nids)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cred_event *e;

	if (!should_trace())
		return 0;
	e = scratch_of(&cred_scratch);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, kind);
	if (is_gid(kind))
		e->ev_flags |= CRED_F_GID;
	/* one load per argument: a memcpy from ctx may become loads the verifier refuses */
	e->id1 = nids > 0 ? (__u32)ctx->args[0] : 0;
	e->id2 = nids > 1 ? (__u32)ctx->args[1] : 0;
	e->id3 = nids > 2 ? (__u32)ctx->args[2] : 0;
	read_ids(is_gid(kind), &e->old_real, &e->old_eff, &e->old_saved, &e->old_fs, &e->old_caps);
	if (kind == CRED_KIND_CAPSET && !read_caps(e, (const void *)ctx->args[0], (const void *)ctx->args[1])) {
		/* a page not yet faulted in: retried at sys_exit, when the kernel has copied it */
		e->ev_flags |= CRED_F_CAP_FAULT;
		e->cap_version = 0;
		e->cap_pid = 0;
		e->cap_eff = (__u64)ctx->args[0];	/* the pointers, kept for the retry */
		e->cap_prm = (__u64)ctx->args[1];
	}
	if (bpf_map_update_elem(&cred_pending, &tid, e, BPF_ANY))
		count_loss(LOSS_PENDING_FULL);
	return 0;
}

static __always_inline int handle_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cred_event *e = bpf_map_lookup_elem(&cred_pending, &tid);
	enum damage damage = DAMAGE_NONE;

	if (!e)
		return 0;
	e->ret = ret;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	read_ids(e->ev_flags & CRED_F_GID, &e->new_real, &e->new_eff, &e->new_saved, &e->new_fs, &e->new_caps);
	if (e->ev_flags & CRED_F_CAP_FAULT) {
		const void *uh = (const void *)e->cap_eff, *ud = (const void *)e->cap_prm;

		e->cap_eff = 0;
		e->cap_prm = 0;
		if (read_caps(e, uh, ud))
			e->ev_flags &= ~CRED_F_CAP_FAULT;
		else
			damaged(&damage, DAMAGE_FAULT);
	}
	emit_damaged(e, sizeof(*e), damage);
	bpf_map_delete_elem(&cred_pending, &tid);
	return 0;
}

#define CRED_SYSCALL(name, kind, nids)						\
	SEC("tracepoint/syscalls/sys_enter_" #name)				\
	int enter_##name(struct trace_event_raw_sys_enter *ctx)			\
	{									\
		return handle_enter(kind, ctx, nids);				\
	}									\
	SEC("tracepoint/syscalls/sys_exit_" #name)				\
	int exit_##name(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		return handle_exit(ctx->ret);					\
	}

CRED_SYSCALL(setuid, CRED_KIND_SETUID, 1)
CRED_SYSCALL(setreuid, CRED_KIND_SETREUID, 2)
CRED_SYSCALL(setresuid, CRED_KIND_SETRESUID, 3)
CRED_SYSCALL(setfsuid, CRED_KIND_SETFSUID, 1)
CRED_SYSCALL(setgid, CRED_KIND_SETGID, 1)
CRED_SYSCALL(setregid, CRED_KIND_SETREGID, 2)
CRED_SYSCALL(setresgid, CRED_KIND_SETRESGID, 3)
CRED_SYSCALL(setfsgid, CRED_KIND_SETFSGID, 1)
CRED_SYSCALL(capset, CRED_KIND_CAPSET, 0)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
