/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_RENAME_H
#define EBPFSH_RENAME_H

enum rename_kind {
	RENAME_KIND_RENAME = 0,
	RENAME_KIND_RENAMEAT = 1,
	RENAME_KIND_RENAMEAT2 = 2,
};

/* renameat2's flags (include/uapi/linux/fs.h; vmlinux.h has no macros) */
enum rename_at_flags {
	RENAME_FLAG_NOREPLACE = 1,	/* fail with EEXIST rather than replace the new path */
	RENAME_FLAG_EXCHANGE = 2,	/* swap the two paths */
	RENAME_FLAG_WHITEOUT = 4,	/* leave a whiteout (overlayfs) where the old path was */
};

struct rename_event {
	struct event_header hdr;
	__s32 ret;		/* 0, or -errno */
	__s32 olddfd;		/* directory fd of a relative old path (AT_FDCWD = -100) */
	__s32 newdfd;		/* of a relative new path */
	__u32 flags;		/* renameat2: enum rename_at_flags */
	__u16 old_flags;	/* enum user_path_flags of the old path */
	__u16 old_raw_len;	/* the old path as passed, NUL included */
	__u16 old_base_len;	/* relative old path only: its directory's absolute path, NUL included */
	__u16 new_flags;	/* as old_*, for the new path */
	__u16 new_raw_len;
	__u16 new_base_len;
	__u16 pad[2];
	char data[];		/* old raw\0 [old base\0] new raw\0 [new base\0] (bpf/lib/user_path.h) */
};

#endif
