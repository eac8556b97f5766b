/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_KILLSNOOP_H
#define EBPFSH_KILLSNOOP_H

enum kill_kind {
	KILL_KIND_SIGNAL = 0,		/* signal:signal_generate: a signal reached a task's queue (or was ignored) */
	KILL_KIND_KILL = 1,		/* kill(2) that failed, or a sig 0 probe: no signal was generated */
	KILL_KIND_TKILL = 2,		/* tkill(2), likewise */
	KILL_KIND_TGKILL = 3,		/* tgkill(2), likewise */
	KILL_KIND_PIDFD = 4,		/* pidfd_send_signal(2), likewise */
};

/*
 * The tracepoint's result: the kernel's TRACE_SIGNAL_* (include/trace/events/
 * signal.h, an anonymous enum CO-RE cannot name), plus NONE for syscall kinds.
 */
enum kill_result {
	KILL_RES_DELIVERED = 0,
	KILL_RES_IGNORED = 1,
	KILL_RES_ALREADY_PENDING = 2,
	KILL_RES_OVERFLOW_FAIL = 3,
	KILL_RES_LOSE_INFO = 4,
	KILL_RES_NONE = 255,
};

/* Who sent it, which says what the header is. */
enum kill_source {
	KILL_SRC_SYSCALL = 0,	/* inside the header task's kill/tkill/tgkill/pidfd_send_signal: the header is the sender */
	KILL_SRC_USER = 1,	/* si_code SI_USER/SI_TKILL outside those: the kernel for the header task (SIGPIPE, tty) or another call */
	KILL_SRC_QUEUE = 2,	/* negative si_code: sigqueue, POSIX timer, mq_notify, AIO, SIGIO (asynchronous or caller-chosen) */
	KILL_SRC_KERNEL = 3,	/* SI_KERNEL or a positive si_code (fault, child status, ...): the header is whoever ran, not a sender */
};

enum kill_limits {
	KILL_TARGET_UID_UNKNOWN = 0xffffffff,
};

struct kill_event {
	struct event_header hdr;	/* the current task: the sender unless source says otherwise */
	__s32 ret;		/* syscall kinds: the result (-errno, or 0 for a sig 0 probe); signal: 0 */
	__s32 sig;
	__s32 code;		/* si_code (signal kind) */
	__s32 target;		/* signal: target tgid (0 when unknown); syscall kinds: the pid (or pidfd) argument as passed */
	__u32 target_tid;	/* signal: target thread; tkill/tgkill: the tid argument; else 0 */
	__u32 target_uid;	/* signal: the target's real uid; else KILL_TARGET_UID_UNKNOWN */
	__u8 result;		/* enum kill_result */
	__u8 group;		/* signal: 1 when sent to the whole process (or wider), 0 to one thread */
	__u8 source;		/* enum kill_source */
	__u8 pad;
	char target_comm[16];	/* signal: the target's comm; else empty */
};

#endif
