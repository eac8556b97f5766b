/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_OPENSNOOP_H
#define EBPFSH_OPENSNOOP_H

enum opensnoop_limits {
	/*
	 * The raw path as passed, NUL included: the kernel's PATH_MAX, so any path
	 * the kernel accepts arrives whole (a longer one fails with ENAMETOOLONG and
	 * arrives cut, flagged OPEN_F_PATH_TRUNCATED).
	 */
	OPEN_PATH_MAX = 4096,
};

enum open_kind {
	OPEN_KIND_OPENAT = 0,
	OPEN_KIND_OPENAT2 = 1,
	OPEN_KIND_OPEN = 2,
	OPEN_KIND_CREAT = 3,
	OPEN_KIND_BY_HANDLE = 4,	/* open_by_handle_at: no path passed, only the opened file's */
};

enum open_event_flags {
	OPEN_F_PATH_TRUNCATED = 1,	/* raw path over OPEN_PATH_MAX - 1 bytes */
	OPEN_F_ABS_TRUNCATED = 2,	/* the base directory's path did not fit */
	OPEN_F_PATH_FAULT = 4,		/* the raw path could not be read */
	OPEN_F_REAL_TRUNCATED = 8,	/* the opened file's path did not fit */
	OPEN_F_FLAGS_FAULT = 16,	/* openat2: struct open_how could not be read, flags and mode unknown */
};

struct open_event {
	struct event_header hdr;
	__s32 ret;		/* fd, or -errno */
	__s32 dfd;		/* directory fd for relative paths (AT_FDCWD = -100) */
	__u64 flags;		/* open flags (O_*) */
	__u32 mode;
	__u16 ev_flags;		/* enum open_event_flags */
	__u16 path_len;		/* raw path, as the caller's memory held it at sys_exit */
	__u16 abs_len;		/* relative raw path only: base directory + "/" + raw path */
	__u16 real_len;		/* successful open only: path of the file the kernel opened */
	__u16 pad[2];
	char data[];		/* path, abs, real: each NUL-terminated */
};

#endif
