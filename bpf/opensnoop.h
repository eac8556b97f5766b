/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_OPENSNOOP_H
#define EBPFSH_OPENSNOOP_H

#define OPEN_PATH_MAX	1024	/* raw path as passed; power of two */

enum open_kind {
	OPEN_KIND_OPENAT = 0,
	OPEN_KIND_OPENAT2 = 1,
	OPEN_KIND_OPEN = 2,
	OPEN_KIND_CREAT = 3,
};

enum open_event_flags {
	OPEN_F_PATH_TRUNCATED = 1,
	OPEN_F_ABS_TRUNCATED = 2,
	OPEN_F_PATH_FAULT = 4,
};

struct open_event {
	struct event_header hdr;
	__s32 ret;		/* fd, or -errno */
	__s32 dfd;		/* directory fd for relative paths (AT_FDCWD = -100) */
	__u64 flags;		/* open flags (O_*) */
	__u32 mode;
	__u16 ev_flags;		/* enum open_event_flags */
	__u16 path_len;		/* raw path */
	__u16 abs_len;		/* absolute path when the raw one was relative */
	__u16 pad[3];
	char data[];		/* path, abs */
};

#endif
