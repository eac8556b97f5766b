/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_CHMOD_H
#define EBPFSH_CHMOD_H

enum chmod_kind {
	CHMOD_KIND_CHMOD = 0,
	CHMOD_KIND_FCHMOD = 1,		/* by fd: the path is the fd's */
	CHMOD_KIND_FCHMODAT = 2,
	CHMOD_KIND_FCHMODAT2 = 3,	/* fchmodat with flags (Linux 6.6) */
};

/* fchmodat2's flags (include/uapi/linux/fcntl.h): ABI, named here so userspace takes them from BTF */
enum chmod_at_flags {
	CHMOD_AT_SYMLINK_NOFOLLOW = 0x100,
	CHMOD_AT_EMPTY_PATH = 0x1000,	/* an empty path names dfd itself */
};

struct chmod_event {
	struct event_header hdr;
	__s32 ret;		/* 0, or -errno */
	__s32 fd;		/* fchmod: the fd; *at: the directory fd (AT_FDCWD = -100); chmod: AT_FDCWD */
	__u32 mode;		/* the new mode as the kernel takes it (umode_t); it keeps the low 12 bits */
	__u32 flags;		/* fchmodat2: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH */
	__u16 path_flags;	/* enum user_path_flags */
	__u16 raw_len;		/* the path as passed, NUL included (fchmod: empty) */
	__u16 base_len;		/* the directory of a relative path, or fchmod's file; 0 when none */
	__u16 pad;
	char data[];		/* raw path, base path: each NUL-terminated */
};

#endif
