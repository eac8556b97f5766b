/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_MEMFD_H
#define EBPFSH_MEMFD_H

enum memfd_limits {
	/*
	 * Bytes of the name read, NUL included: the kernel takes at most 249
	 * (NAME_MAX less its "memfd:" prefix), so any accepted name arrives
	 * whole; a longer one fails with EINVAL and arrives cut, flagged.
	 */
	MEMFD_NAME_MAX = 256,
};

enum memfd_event_flags {
	MEMFD_F_NAME_TRUNCATED = 1,	/* the name was longer than MEMFD_NAME_MAX - 1 bytes */
	MEMFD_F_NAME_FAULT = 2,		/* the name could not be read */
};

struct memfd_event {
	struct event_header hdr;
	__s32 ret;		/* the new fd, or -errno */
	__u32 flags;		/* memfd_create flags (MFD_*) as passed */
	__u16 ev_flags;		/* enum memfd_event_flags */
	__u16 name_len;		/* bytes of the name with its NUL */
	char data[];		/* the name as the caller passed it (the kernel prefixes "memfd:") */
};

#endif
