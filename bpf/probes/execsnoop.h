/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_EXECSNOOP_H
#define EBPFSH_EXECSNOOP_H

enum execsnoop_limits {
	EXEC_FILENAME_MAX = 4096,	/* the kernel's PATH_MAX, NUL included: any accepted filename fits */
	EXEC_ARGS_MAX = 4096,		/* argv bytes of a successful exec, with the NUL after the last */
	EXEC_FAILED_ARGS = 20,		/* argv entries read for a failed exec */
	EXEC_FAILED_ARG_MAX = 128,	/* bytes of each, NUL included */
	EXEC_ENV_NAMES = 16,		/* environment variable names the engine may ask for */
	EXEC_ENV_SLOT = 64,		/* bytes of one name's slot in struct exec_env_names */
	EXEC_ENV_NAME_MAX = 63,		/* bytes of a name ("NAME=" fills a slot) */
	EXEC_ENV_VALUE_MAX = 1024,	/* bytes of a value kept; a longer one is cut and flagged */
	EXEC_ENV_MAX = 8000,		/* bytes of all NAME=value strings kept, NULs included */
	EXEC_ENV_ENTRIES = 32,		/* NAME=value strings kept (bits of exec_event.env_cut) */
	EXEC_ENV_STEPS = 65536,		/* env string reads per exec: a longer env is flagged, not scanned to its end */
};

/* An enum, not a #define, so it is in BTF (for userspace); unsigned, as argc. */
enum exec_argc {
	EXEC_ARGC_UNKNOWN = 0xffffffff,	/* exec_event.argc when the kernel could not tell */
};

enum exec_kind {
	EXEC_KIND_EXEC = 0,	/* the new image runs (sched_process_exec) */
	EXEC_KIND_FAILED = 1,	/* execve/execveat returned an error */
};

/* Every flag is a fault or a cut: execsnoop.bpf.c's damage_of counts a record with any as damaged. */
enum exec_flags {
	EXEC_F_ARGS_TRUNCATED = 1,
	EXEC_F_FILENAME_TRUNCATED = 2,
	EXEC_F_EXE_TRUNCATED = 4,
	EXEC_F_ARGS_FAULT = 8,		/* an argv pointer or string could not be read */
	EXEC_F_FILENAME_FAULT = 16,	/* the filename could not be read */
	EXEC_F_ENV_TRUNCATED = 32,	/* a value was cut (see env_cut) */
	EXEC_F_ENV_DROPPED = 64,	/* a wanted NAME=value did not fit the record: left out */
	EXEC_F_ENV_INCOMPLETE = 128,	/* the env was not scanned to its end (EXEC_ENV_STEPS) */
	EXEC_F_ENV_FAULT = 256,		/* the env could not be read */
};

/* What the new image runs from, when it is not a file with a name on disk. */
enum exec_fileless {
	EXEC_FILELESS_NONE = 0,
	EXEC_FILELESS_MEMFD = 1,	/* a file of a kernel-internal mount: memfd_create (shmem or hugetlbfs) */
	EXEC_FILELESS_DELETED = 2,	/* a file with no links left: unlinked, or O_TMPFILE never linked */
};

/* Bits of exec_event.exe_marks: where the executed file lives and who may change it. */
enum exec_exe_marks {
	EXEC_EXE_KNOWN = 1,		/* the exe_* identity fields are set (a successful exec with an exe_file) */
	EXEC_EXE_OVERLAY_UPPER = 2,	/* on overlayfs, with a copy in the upper (writable) layer: a container's own file */
	EXEC_EXE_OTHERS_WRITABLE = 4,	/* group or other may write it (mode & 022) */
};

/*
 * The environment variables to keep, written by the engine at attach (the
 * value of the one-entry map exec_env_names). Slot i of `want` holds
 * "NAME=" NUL-padded, and slot i of `mask` 0xff over those bytes and 0 after:
 * an env string is kept when its first EXEC_ENV_SLOT bytes, masked, equal
 * the slot (a comparison without branches, which the verifier walks once).
 * The first slot whose mask is all 0 ends the list.
 */
struct exec_env_names {
	__u64 want[EXEC_ENV_NAMES][EXEC_ENV_SLOT / 8];
	__u64 mask[EXEC_ENV_NAMES][EXEC_ENV_SLOT / 8];
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
	__u16 env_len;		/* NAME=value strings kept, each with its NUL (sched_process_exec only) */
	__u8 fileless;		/* enum exec_fileless */
	__u8 pad;
	__u32 env_cut;		/* bit i: the value of the i-th NAME=value was cut */
	/* the executed file's identity (valid when exe_marks has EXEC_EXE_KNOWN) */
	__u32 exe_dev;		/* its superblock's s_dev (kernel encoding: major << 20 | minor) */
	__u64 exe_ino;
	__s64 exe_size;
	__s64 exe_mtime_sec;
	__u32 exe_mtime_nsec;
	__u32 exe_uid;		/* owner, in the initial user namespace */
	__u16 exe_mode;		/* type and permission bits */
	__u8 exe_marks;		/* enum exec_exe_marks */
	__u8 pad2;
	char data[];		/* filename, exe, args (NUL-separated), env (NUL-separated), in that order */
};

#endif
