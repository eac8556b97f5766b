/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_UNLINK_H
#define EBPFSH_UNLINK_H

enum unlink_kind {
	UNLINK_KIND_UNLINK = 0,
	UNLINK_KIND_UNLINKAT = 1,
	UNLINK_KIND_RMDIR = 2,
};

/* unlinkat's flags argument (include/uapi/linux/fcntl.h; vmlinux.h has no macros) */
enum unlink_at_flags {
	UNLINK_AT_REMOVEDIR = 0x200,
};

struct unlink_event {
	struct event_header hdr;
	__s32 ret;		/* 0, or -errno */
	__s32 dfd;		/* unlinkat: directory fd of a relative path (AT_FDCWD = -100) */
	__u32 flags;		/* unlinkat: AT_REMOVEDIR or 0 */
	__u16 path_flags;	/* enum user_path_flags */
	__u16 raw_len;		/* the path as passed, NUL included */
	__u16 base_len;		/* relative path only: its directory's absolute path, NUL included */
	__u16 pad[3];
	char data[];		/* raw\0 [base\0] (bpf/lib/user_path.h) */
};

#endif
