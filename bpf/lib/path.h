/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The absolute path of a (dentry, vfsmount), walked backwards across mounts. */
#ifndef EBPFSH_PATH_H
#define EBPFSH_PATH_H

#include "event.h"

#define PATH_MAX_LEN	4096	/* the kernel's PATH_MAX, NUL included */
#define PATH_MASK	(PATH_MAX_LEN - 1)	/* PATH_MAX_LEN is a power of two: keeps an offset inside one path */
#define NAME_MAX	255	/* the kernel's longest path component, NUL excluded */
/*
 * Steps of a path walk: one per component or mount crossing. A path that fits
 * PATH_MAX_LEN has at most 2048 components, so a walk stops for lack of room,
 * never for lack of steps; a step costs nothing once the walk is done.
 */
#define PATH_DEPTH	4096

struct path_walk {
	struct dentry *dentry;
	struct dentry *mnt_root;	/* of the mount being walked: read once per mount, not per step */
	struct mount *mnt;
	char *buf;
	__u32 off;
	bool done;
};

/* One component per call; a bpf_loop callback so the verifier sees it once. */
static long path_step(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;
	/* locals: CO-RE relocations must not cover fields of struct path_walk */
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *mnt_root = w->mnt_root;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr name;
	__u32 len, off;

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (dentry != mnt_root || mnt_parent == mnt) {
			w->done = true;	/* reached the global root */
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		w->mnt_root = BPF_CORE_READ(mnt_parent, mnt.mnt_root);
		return 0;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = name.len;
	off = w->off;
	if (len > NAME_MAX || len + 1 > off)	/* not a name; or no room left: truncated */
		return 1;
	off -= len;
	bpf_probe_read_kernel(&w->buf[off & PATH_MASK], len, name.name);
	off -= 1;
	w->buf[off & PATH_MASK] = '/';
	w->off = off;
	w->dentry = parent;
	return 0;
}

/*
 * Build the absolute path of (dentry, vfsmount) backwards into buf, which
 * must be 2 * PATH_MAX_LEN long. Returns the offset where the path starts, in
 * [0, PATH_MAX_LEN - 2]; it ends at PATH_MAX_LEN - 1 with a NUL, so its
 * length with the NUL is PATH_MAX_LEN - start, in [2, PATH_MAX_LEN] (never
 * mask that length with PATH_MASK: a 4095-byte path would become 0). Sets
 * *truncated when the walk ran out of room (the leading components are cut).
 */
static __always_inline __u32 build_path(struct dentry *dentry, struct vfsmount *vfsmnt,
					char *buf, bool *truncated)
{
	struct path_walk w = {
		.dentry = dentry,
		.mnt_root = BPF_CORE_READ(vfsmnt, mnt_root),
		.mnt = container_of(vfsmnt, struct mount, mnt),
		.buf = buf,
		.off = PATH_MAX_LEN - 1,
	};

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
