/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The absolute path of a (dentry, vfsmount), walked backwards across mounts. */
#ifndef EBPFSH_PATH_H
#define EBPFSH_PATH_H

#include "event.h"

#define PATH_MAX_LEN	4096	/* the kernel's PATH_MAX, NUL included */
#define PATH_MASK	(PATH_MAX_LEN - 1)	/* PATH_MAX_LEN is a power of two: keeps an offset inside one path */
#define WALK_MASK	(2 * PATH_MAX_LEN - 1)	/* keeps an offset inside a walk's buffer */
#define WALK_SPILL	40	/* bytes past a walk's masked end its word stores may reach (put_inline_name) */
#define NAME_MAX	255	/* the kernel's longest path component, NUL excluded */
/*
 * Steps of a path walk: one per component or mount crossing. A path that fits
 * PATH_MAX_LEN has at most 2048 components, so a walk stops for lack of room,
 * never for lack of steps; a step costs nothing once the walk is done.
 */
#define PATH_DEPTH	4096

/*
 * A dentry's d_parent, d_name, d_inode and inline name (d_shortname), and a
 * mount's mnt_parent, mnt_mountpoint and mnt.mnt_root, each next to each
 * other in the kernel's structs: one bpf_probe_read_kernel each instead of
 * one per field (a read costs ~30 ns, and a walk made three per component).
 * Plain structs, not the kernel's: the bytes are copied as they lie, so no
 * CO-RE relocation may move their fields.
 */
#define DNAME_INLINE_WORDS	5	/* d_shortname: 40 bytes, names up to 39 bytes live there */

/*
 * An object whose program walks many paths can define PATH_HELPER_NAMES 1
 * before including this: every name is then read with a helper call. The
 * word stores add a branch per step, and mountsnoop's exit_move_mount (two
 * paths and a switch in one program) then exceeds the verifier's limit of
 * 8192 pending branches (when it used this walk). The walk with plain loads
 * (PATH_BTF_WALK) always stores inline names by word, and mountsnoop's
 * program verifies with it: its steps are simpler.
 */
#ifndef PATH_HELPER_NAMES
#define PATH_HELPER_NAMES	0
#endif
#ifndef PATH_BTF_WALK
#define PATH_BTF_WALK	0
#endif

struct dentry_up {
	struct dentry *parent;
	__u32 hash;
	__u32 len;
	const unsigned char *name;
	struct inode *inode;
	__u64 iname[DNAME_INLINE_WORDS];
};

struct mount_up {
	struct mount *parent;
	struct dentry *mountpoint;
	struct dentry *root;
};

/* Whether the kernel's layout is dentry_up's (CO-RE constants: the other branch is dead code). */
#define DENTRY_UP_ONE_READ							\
	(bpf_core_field_exists(struct dentry, d_shortname) &&			\
	 bpf_core_field_offset(struct dentry, d_name) ==			\
		 bpf_core_field_offset(struct dentry, d_parent) + 8 &&		\
	 bpf_core_field_offset(struct dentry, d_inode) ==			\
		 bpf_core_field_offset(struct dentry, d_parent) + 24 &&		\
	 bpf_core_field_offset(struct dentry, d_shortname) ==			\
		 bpf_core_field_offset(struct dentry, d_parent) + 32 &&		\
	 bpf_core_field_size(struct dentry, d_shortname) == 8 * DNAME_INLINE_WORDS && \
	 bpf_core_field_offset(struct qstr, len) == 4 &&			\
	 bpf_core_field_offset(struct qstr, name) == 8)
#define MOUNT_UP_ONE_READ							\
	(bpf_core_field_offset(struct mount, mnt_mountpoint) ==		\
		 bpf_core_field_offset(struct mount, mnt_parent) + 8 &&		\
	 bpf_core_field_offset(struct mount, mnt) ==				\
		 bpf_core_field_offset(struct mount, mnt_parent) + 16 &&	\
	 bpf_core_field_offset(struct vfsmount, mnt_root) == 0)

/* Reads d_parent and d_name; true when the name's bytes came along (in up->iname). */
static __always_inline bool read_dentry_up(struct dentry *dentry, struct dentry_up *up)
{
	struct qstr name;

	if (DENTRY_UP_ONE_READ) {
		bpf_core_read(up, sizeof(*up), &dentry->d_parent);
		return up->name == (const unsigned char *)dentry + bpf_core_field_offset(struct dentry, d_shortname) &&
		       up->len < 8 * DNAME_INLINE_WORDS;
	}
	up->parent = BPF_CORE_READ(dentry, d_parent);
	name = BPF_CORE_READ(dentry, d_name);
	up->len = name.len;
	up->name = name.name;
	return false;
}

static __always_inline void read_mount_up(struct mount *mnt, struct mount_up *up)
{
	if (MOUNT_UP_ONE_READ) {
		bpf_core_read(up, sizeof(*up), &mnt->mnt_parent);
		return;
	}
	up->parent = BPF_CORE_READ(mnt, mnt_parent);
	up->mountpoint = BPF_CORE_READ(mnt, mnt_mountpoint);
	up->root = BPF_CORE_READ(mnt, mnt.mnt_root);
}

/*
 * Puts an inline name (len < 40) at buf[start, start + len) with word
 * stores, not a helper call. All five words are stored whatever len is (no
 * branch on len: the verifier then sees one path, not one per length), so
 * up to 40 bytes past the name are overwritten: what the walk already wrote
 * there is saved first and put back. start + len <= PATH_MAX_LEN - 1, so
 * every access ends before PATH_MAX_LEN + 40, inside the walk's buffer; the
 * masks only tell the verifier so, they never change an offset.
 */
static __always_inline void put_inline_name(char *buf, __u32 start, __u32 len, const __u64 *words)
{
	__u32 end = start + len;
	__u64 saved[DNAME_INLINE_WORDS];

#pragma unroll
	for (int k = 0; k < DNAME_INLINE_WORDS; k++)
		saved[k] = *(__u64 *)&buf[(end + 8 * k) & WALK_MASK];
#pragma unroll
	for (int k = 0; k < DNAME_INLINE_WORDS; k++)
		*(__u64 *)&buf[(start + 8 * k) & WALK_MASK] = words[k];
#pragma unroll
	for (int k = 0; k < DNAME_INLINE_WORDS; k++)
		*(__u64 *)&buf[(end + 8 * k) & WALK_MASK] = saved[k];
}

#if PATH_BTF_WALK
/*
 * The same walk with plain loads, for an object that defines PATH_BTF_WALK 1
 * before including this: the dentry and mount are BTF pointers
 * (bpf_rdonly_cast), so each field is one fault-safe load (PROBE_MEM: a
 * fault reads 0, as a failed helper read leaves 0) instead of a
 * bpf_probe_read_kernel call (~30 ns each), and an inline name is stored
 * by word without the save and restore put_inline_name needs. Only a name
 * of 40 bytes or more (not inline in the dentry), or one that ends within
 * 40 bytes of a ~4 KB path's start, still costs a call. Measured on opensnoop's
 * open storm (3 components): ~180 ns less per walked path; and the
 * verifier's work shrinks (load CPU: mountsnoop 550 -> 345 ms, setxattr
 * 390 -> 220, rename 405 -> 275, chmod/chown 140 -> 90). The kfunc needs
 * the running kernel's own BTF ids: the addon fills every targ_btf_<struct>
 * (native/src/session.cc), never from the minimal BTF CO-RE relocates
 * against (its ids are its own). It costs the object's load a parse of the
 * kernel's BTF (libbpf resolves the kfunc against it).
 */
extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id) __ksym;

/* The kernel's BTF ids of these structs, set at load (native/src/session.cc): constants to the verifier. */
const volatile __u32 targ_btf_dentry = 0;
const volatile __u32 targ_btf_mount = 0;
const volatile __u32 targ_btf_file = 0;

struct btf_walk {
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *root;	/* the mount's root: mnt->mnt.mnt_root */
	char *buf;
	__u32 off;
	bool done;
};

/* One component (or mount crossing) per call, as path_step, with loads through BTF pointers. */
static long btf_path_step(__u32 i, void *ctx)
{
	struct btf_walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct dentry *parent = dentry->d_parent;
	const unsigned char *name;
	__u32 len, off;

	if (dentry == w->root || dentry == parent) {
		struct mount *mnt = w->mnt, *up = mnt->mnt_parent;

		if (dentry != w->root || up == mnt) {
			w->done = true;	/* reached the global root */
			return 1;
		}
		w->dentry = mnt->mnt_mountpoint;
		w->mnt = up;
		w->root = up->mnt.mnt_root;
		return 0;
	}
	len = dentry->d_name.len;
	name = dentry->d_name.name;
	off = w->off;
	if (len > NAME_MAX || len + 1 > off)	/* not a name; or no room left: truncated */
		return 1;
	if (name == dentry->d_shortname.string && len < 8 * DNAME_INLINE_WORDS && off >= 8 * DNAME_INLINE_WORDS) {
		/*
		 * The 40 bytes of the dentry that end where its name ends, stored so
		 * they end at off: the name lands at [off - len, off), and the bytes
		 * before it in the dentry fall to its left, on space the walk has not
		 * written yet, so nothing needs saving. Within 40 bytes of the
		 * buffer's start a word would wrap (a ~4 KB path): the helper copies
		 * the name there. The dentry as untyped memory: a load at a variable
		 * offset, still fault-safe.
		 */
		const char *d = bpf_rdonly_cast(dentry, 0);
		__u32 from = bpf_core_field_offset(struct dentry, d_shortname) + len - 8 * DNAME_INLINE_WORDS;

#pragma unroll
		for (int k = 0; k < DNAME_INLINE_WORDS; k++)
			*(__u64 *)&w->buf[(off - 8 * DNAME_INLINE_WORDS + 8 * k) & WALK_MASK] =
				*(const __u64 *)(d + from + 8 * k);
		off -= len;
	} else {
		off -= len;
		bpf_probe_read_kernel(&w->buf[off & PATH_MASK], len, name);
	}
	off -= 1;
	w->buf[off & PATH_MASK] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/* build_path with plain loads (what build_path runs when PATH_BTF_WALK); dentry and vfsmnt may be untyped (read with a helper) or BTF pointers. */
static __always_inline __u32 build_path_btf(const void *dentry, const void *vfsmnt, char *buf, bool *truncated)
{
	struct btf_walk w = {
		.dentry = bpf_rdonly_cast(dentry, targ_btf_dentry),
		.mnt = bpf_rdonly_cast((const char *)vfsmnt - bpf_core_field_offset(struct mount, mnt), targ_btf_mount),
		.buf = buf,
		.off = PATH_MAX_LEN - 1,
	};

	w.root = w.mnt->mnt.mnt_root;
	buf[PATH_MAX_LEN - 1] = 0;
	bpf_loop(PATH_DEPTH, btf_path_step, &w, 0);
	*truncated = !w.done;
	if (w.off == PATH_MAX_LEN - 1) {
		w.off -= 1;
		buf[w.off & PATH_MASK] = '/';
	}
	return w.off & PATH_MASK;
}
#endif /* PATH_BTF_WALK */

struct path_walk {
	struct dentry *dentry;
	struct mount *mnt;
	struct mount_up up;	/* of the mount being walked: read once per mount, not per step */
	char *buf;
	__u32 off;
	bool done;
};

/* One component (or mount crossing) per call; a bpf_loop callback so the verifier sees it once. */
static long path_step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct dentry_up d;
	bool inline_name;
	__u32 len, off;

	inline_name = read_dentry_up(dentry, &d) && !PATH_HELPER_NAMES;
	if (dentry == w->up.root || dentry == d.parent) {
		struct mount_up mu;

		if (dentry != w->up.root || w->up.parent == w->mnt) {
			w->done = true;	/* reached the global root */
			return 1;
		}
		w->dentry = w->up.mountpoint;
		w->mnt = w->up.parent;
		read_mount_up(w->mnt, &mu);
		w->up.parent = mu.parent;
		w->up.mountpoint = mu.mountpoint;
		w->up.root = mu.root;
		return 0;
	}
	len = d.len;
	off = w->off;
	if (len > NAME_MAX || len + 1 > off)	/* not a name; or no room left: truncated */
		return 1;
	off -= len;
	if (inline_name)
		put_inline_name(w->buf, off, len, d.iname);
	else
		bpf_probe_read_kernel(&w->buf[off & PATH_MASK], len, d.name);
	off -= 1;
	w->buf[off & PATH_MASK] = '/';
	w->off = off;
	w->dentry = d.parent;
	return 0;
}

/*
 * Build the absolute path of (dentry, vfsmount) backwards into buf, which
 * must be 2 * PATH_MAX_LEN long and followed by WALK_SPILL more bytes of the same value. Returns the offset where the path starts, in
 * [0, PATH_MAX_LEN - 2]; it ends at PATH_MAX_LEN - 1 with a NUL, so its
 * length with the NUL is PATH_MAX_LEN - start, in [2, PATH_MAX_LEN] (never
 * mask that length with PATH_MASK: a 4095-byte path would become 0). Sets
 * *truncated when the walk ran out of room (the leading components are cut).
 */
static __always_inline __u32 build_path(struct dentry *dentry, struct vfsmount *vfsmnt,
					char *buf, bool *truncated)
{
#if PATH_BTF_WALK
	return build_path_btf(dentry, vfsmnt, buf, truncated);
#endif
	struct path_walk w = {
		.dentry = dentry,
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.buf = buf,
		.off = PATH_MAX_LEN - 1,
	};

	read_mount_up(w.mnt, &w.up);
	buf[PATH_MAX_LEN - 1] = 0;
	bpf_loop(PATH_DEPTH, path_step, &w, 0);
	*truncated = !w.done;
	if (w.off == PATH_MAX_LEN - 1) {
		w.off -= 1;
		buf[w.off & PATH_MASK] = '/';
	}
	return w.off & PATH_MASK;
}


#endif /* EBPFSH_PATH_H */
