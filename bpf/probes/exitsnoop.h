/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_EXITSNOOP_H
#define EBPFSH_EXITSNOOP_H

enum exit_flags {
	EXIT_F_GROUP_DEAD = 1,		/* the last thread: the whole process is gone */
	EXIT_F_GROUP_GUESSED = 2,	/* no group_dead from the tracepoint: taken from signal->live == 0 */
};

struct exit_event {
	struct event_header hdr;	/* the exiting thread (tid), in its process (tgid) */
	__u64 lifetime_ns;	/* now - start (CLOCK_MONOTONIC): of the thread, or of the process when it is the last thread */
	__u64 start_ns;		/* the process's start, CLOCK_BOOTTIME ns (group leader's start_boottime) */
	__s32 exit_code;	/* task->exit_code: wait status, (code << 8) | core dump 0x80 | signal */
	__u16 flags;		/* enum exit_flags */
	__u16 pad;
};

#endif
