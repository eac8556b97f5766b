/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A path argument in a record: the caller's raw bytes and, for a relative
 * path, the absolute path of the directory it is relative to (its dirfd's, or
 * the cwd). Two segments, each NUL-terminated; userspace joins them
 * (src/probes/user-path.ts), so a record with two paths stays within the
 * scratch buffer. The raw bytes are read once, at sys_exit, as opensnoop does.
 */
#ifndef EBPFSH_USER_PATH_H
#define EBPFSH_USER_PATH_H

#include "emit.h"
#include "fd.h"
#include "path.h"

enum user_path_flags {
	UPATH_FAULT = 1,		/* the path could not be read from the caller's memory */
	UPATH_TRUNCATED = 2,		/* over PATH_MAX - 1 bytes (the kernel refuses it: ENAMETOOLONG): cut */
	UPATH_BASE_TRUNCATED = 4,	/* the directory's path did not fit: its leading components are cut */
	UPATH_NO_BASE = 8,		/* relative, but the directory fd was not open: only the raw path is known */
};

/* Highest data[] offset a path may start at: two paths of 2 * PATH_MAX_LEN bytes fit in a scratch record. */
#define UPATH_MAX_OFF	(2 * PATH_MAX_LEN)

/* Where one path's parts went, filled by put_user_path / put_fd_path. */
struct user_path_out {
	__u16 raw_len;		/* bytes of the raw path, NUL included (1 when unread) */
	__u16 base_len;		/* bytes of the directory's path, NUL included; 0 when the raw path is absolute */
	__u16 flags;		/* enum user_path_flags */
};

/* Appends the path of `p` (when `found`) at data[off]; returns its length with the NUL, 0 when unknown. */
static __always_inline __u32 put_base(char *data, __u32 off, bool found, struct path *p, char *walk,
				      struct user_path_out *o, enum damage *damage)
{
	__u32 start, len;
	bool cut;

	if (!found) {
		o->flags |= UPATH_NO_BASE;
		return 0;
	}
	start = build_path(p->dentry, p->mnt, walk, &cut);
	len = PATH_MAX_LEN - start;
	if (cut) {
		o->flags |= UPATH_BASE_TRUNCATED;
		damaged(damage, DAMAGE_TRUNCATED);
	}
	if (off > UPATH_MAX_OFF + PATH_MAX_LEN || len > PATH_MAX_LEN || start > PATH_MASK)
		return 0;	/* unreachable: bounds for the verifier */
	bpf_probe_read_kernel(&data[off], len, &walk[start]);
	return len;
}

/*
 * Appends the caller's path `up`, relative to `dfd` (AT_FDCWD: the cwd), at
 * data[off] (off <= UPATH_MAX_OFF), followed by its directory's path when it
 * is relative. An empty path names dfd itself when `empty_is_dfd` (the
 * AT_EMPTY_PATH calls). `walk` is the scratch's path-walk area. Returns the
 * offset after what was written.
 */
static __always_inline __u32 put_user_path(char *data, __u32 off, int dfd, const char *up, bool empty_is_dfd,
					   char *walk, struct user_path_out *o, enum damage *damage)
{
	struct path p;
	long n;

	o->raw_len = 1;
	o->base_len = 0;
	o->flags = 0;
	if (off > UPATH_MAX_OFF)
		return off;	/* unreachable: bounds for the verifier */
	n = bpf_probe_read_user_str(&data[off], PATH_MAX_LEN, up);
	if (n <= 0) {
		o->flags |= UPATH_FAULT;
		damaged(damage, DAMAGE_FAULT);
		data[off] = 0;
		return off + 1;
	}
	if (n >= PATH_MAX_LEN) {
		char c = 0;

		/* a full read is a 4095-byte path if its last byte is the NUL, else cut */
		n = PATH_MAX_LEN;
		if (bpf_probe_read_user(&c, 1, up + PATH_MAX_LEN - 1) || c) {
			o->flags |= UPATH_TRUNCATED;
			damaged(damage, DAMAGE_TRUNCATED);
		}
	}
	o->raw_len = n;
	if (data[off] == '/' || (n == 1 && !empty_is_dfd))
		return off + n;
	o->base_len = put_base(data, off + n, base_dir(bpf_get_current_task_btf(), dfd, &p), &p, walk, o, damage);
	return off + n + o->base_len;
}

/* Appends the path of the file behind `fd` at data[off] as a base with an empty raw path (fchmod, fchown, fsetxattr). */
static __always_inline __u32 put_fd_path(char *data, __u32 off, int fd, char *walk, struct user_path_out *o,
					 enum damage *damage)
{
	struct path p;

	o->raw_len = 1;
	o->base_len = 0;
	o->flags = 0;
	if (off > UPATH_MAX_OFF)
		return off;	/* unreachable: bounds for the verifier */
	data[off] = 0;
	o->base_len = put_base(data, off + 1, fd_path(bpf_get_current_task_btf(), fd, &p), &p, walk, o, damage);
	return off + 1 + o->base_len;
}

#endif /* EBPFSH_USER_PATH_H */
