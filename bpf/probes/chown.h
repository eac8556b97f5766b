/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_CHOWN_H
#define EBPFSH_CHOWN_H

enum chown_kind {
	CHOWN_KIND_CHOWN = 0,
	CHOWN_KIND_FCHOWN = 1,		/* by fd: the path is the fd's */
	CHOWN_KIND_FCHOWNAT = 2,
	CHOWN_KIND_LCHOWN = 3,		/* a symlink itself: recorded with AT_SYMLINK_NOFOLLOW, as the kernel runs it */
};

/* fchownat's flags (include/uapi/linux/fcntl.h): ABI, named here so userspace takes them from BTF */
enum chown_at_flags {
	CHOWN_AT_SYMLINK_NOFOLLOW = 0x100,
	CHOWN_AT_EMPTY_PATH = 0x1000,	/* an empty path names dfd itself */
};

struct chown_event {
	struct event_header hdr;
	__s32 ret;		/* 0, or -errno */
	__s32 fd;		/* fchown: the fd; fchownat: the directory fd (AT_FDCWD = -100); else AT_FDCWD */
	__u32 owner;		/* new uid; (uid_t)-1 leaves it unchanged */
	__u32 group;		/* new gid; (gid_t)-1 leaves it unchanged */
	__u32 flags;		/* fchownat: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH; lchown: AT_SYMLINK_NOFOLLOW */
	__u16 path_flags;	/* enum user_path_flags */
	__u16 raw_len;		/* the path as passed, NUL included (fchown: empty) */
	__u16 base_len;		/* the directory of a relative path, or fchown's file; 0 when none */
	__u16 pad;
	char data[];		/* raw path, base path: each NUL-terminated */
};

#endif
