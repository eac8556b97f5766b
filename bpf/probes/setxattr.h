/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_SETXATTR_H
#define EBPFSH_SETXATTR_H

enum setxattr_kind {
	SETXATTR_KIND_SETXATTR = 0,
	SETXATTR_KIND_LSETXATTR = 1,	/* a symlink itself: recorded with AT_SYMLINK_NOFOLLOW */
	SETXATTR_KIND_FSETXATTR = 2,	/* by fd: the path is the fd's */
	SETXATTR_KIND_SETXATTRAT = 3,	/* Linux 6.13: dirfd, at_flags, and struct xattr_args */
};

enum setxattr_limits {
	SETXATTR_NAME_LEN = 256,	/* XATTR_NAME_MAX + NUL: a longer name fails with ERANGE */
	SETXATTR_VALUE_HEAD = 24,	/* bytes of the value kept: a whole struct vfs_ns_cap_data */
};

/* The ABI values userspace names (include/uapi/linux/xattr.h, fcntl.h), taken from BTF. */
enum setxattr_abi {
	SETXATTR_CREATE = 1,		/* fail if the attribute exists */
	SETXATTR_REPLACE = 2,		/* fail if it does not */
	SETXATTR_AT_SYMLINK_NOFOLLOW = 0x100,
	SETXATTR_AT_EMPTY_PATH = 0x1000,
};

enum setxattr_event_flags {
	SETXATTR_F_NAME_FAULT = 1,	/* the name could not be read */
	SETXATTR_F_NAME_TRUNCATED = 2,	/* the name is over 255 bytes (ERANGE): cut */
	SETXATTR_F_VALUE_FAULT = 4,	/* the value's first bytes could not be read */
	SETXATTR_F_ARGS_FAULT = 8,	/* setxattrat: struct xattr_args could not be read: value, size and flags unknown */
};

struct setxattr_event {
	struct event_header hdr;
	__s32 ret;		/* 0, or -errno */
	__s32 fd;		/* fsetxattr: the fd; setxattrat: the directory fd (AT_FDCWD = -100); else AT_FDCWD */
	__u64 size;		/* the value's size as passed */
	__u32 flags;		/* XATTR_CREATE, XATTR_REPLACE */
	__u32 at_flags;		/* setxattrat: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH; lsetxattr: AT_SYMLINK_NOFOLLOW */
	__u16 ev_flags;		/* enum setxattr_event_flags */
	__u16 path_flags;	/* enum user_path_flags */
	__u16 value_len;	/* bytes in value[]: the value's first min(size, SETXATTR_VALUE_HEAD) */
	__u16 name_len;		/* the attribute's name, NUL included */
	__u16 raw_len;		/* the path as passed, NUL included (fsetxattr: empty) */
	__u16 base_len;		/* the directory of a relative path, or fsetxattr's file; 0 when none */
	__u8 value[SETXATTR_VALUE_HEAD];
	char data[];		/* name, raw path, base path: each NUL-terminated */
};

#endif
