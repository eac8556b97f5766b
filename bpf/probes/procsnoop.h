/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_PROCSNOOP_H
#define EBPFSH_PROCSNOOP_H

enum procsnoop_limits {
	PROC_EXE_MAX = 512,	/* bytes of the exe path kept, NUL included (power of two) */
	PROC_ARGS_MAX = 1024,	/* argv bytes kept, plus one (power of two) */
};

enum proc_kind {
	PROC_KIND_FORK = 0,	/* a new process (not a thread); hdr describes the child */
	PROC_KIND_EXEC = 1,	/* the process runs a new image */
	PROC_KIND_EXIT = 2,	/* the last thread of the process exited */
};

enum proc_flags {
	PROC_F_EXE_TRUNCATED = 1,
	PROC_F_ARGS_TRUNCATED = 2,
	PROC_F_ARGS_FAULT = 4,
};

struct proc_life_event {
	struct event_header hdr;
	__u64 start_ns;		/* the process's start, CLOCK_BOOTTIME ns (task->start_boottime) */
	__u64 parent_start_ns;	/* the parent process's start, CLOCK_BOOTTIME ns */
	__u32 parent_pid;	/* tgid of the parent (fork: the forking process) */
	__s32 exit_code;	/* exit: wait status (code << 8 | signal) */
	__u16 flags;		/* enum proc_flags */
	__u16 exe_len;
	__u16 args_len;
	__u16 pad;
	char data[];		/* exec only: exe path, args (NUL-separated) */
};

#endif
