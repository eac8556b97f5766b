/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_EXECSNOOP_H
#define EBPFSH_EXECSNOOP_H

enum execsnoop_limits {
	EXEC_FILENAME_MAX = 4096,	/* the kernel's PATH_MAX, NUL included: any accepted filename fits */
	EXEC_ARGS_MAX = 4096,		/* argv bytes of a successful exec, with the NUL after the last */
	EXEC_FAILED_ARGS = 20,		/* argv entries read for a failed exec */
	EXEC_FAILED_ARG_MAX = 128,	/* bytes of each, NUL included */
};

/* An enum, not a #define, so it is in BTF (for userspace); unsigned, as argc. */
enum exec_argc {
	EXEC_ARGC_UNKNOWN = 0xffffffff,	/* exec_event.argc when the kernel could not tell */
};

enum exec_kind {
	EXEC_KIND_EXEC = 0,	/* the new image runs (sched_process_exec) */
	EXEC_KIND_FAILED = 1,	/* execve/execveat returned an error */
};

enum exec_flags {
	EXEC_F_ARGS_TRUNCATED = 1,
	EXEC_F_FILENAME_TRUNCATED = 2,
	EXEC_F_EXE_TRUNCATED = 4,
	EXEC_F_ARGS_FAULT = 8,		/* an argv pointer or string could not be read */
	EXEC_F_FILENAME_FAULT = 16,	/* the filename could not be read */
};

struct exec_event {
	struct event_header hdr;
	__s32 ret;
	__u32 argc;		/* EXEC_ARGC_UNKNOWN when the kernel could not tell */
	__u32 args_size;	/* bytes of argv before truncation */
	__u16 flags;		/* enum exec_flags */
	/* bytes with the NUL: filename and exe up to EXEC_FILENAME_MAX, args up to EXEC_ARGS_MAX - 1 */
	__u16 filename_len;
	__u16 exe_len;
	__u16 args_len;
	char data[];		/* filename, exe, args (NUL-separated), in that order */
};

#endif
