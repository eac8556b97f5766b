/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_PTRACE_H
#define EBPFSH_PTRACE_H

enum ptrace_kind {
	PTR_KIND_PTRACE = 0,
	PTR_KIND_VM_WRITEV = 1,
	PTR_KIND_VM_READV = 2,
};

enum ptrace_limits {
	PTR_IOV_MAX = 32,	/* remote iovecs summed per process_vm_* call; more set PTR_F_IOV_PARTIAL */
};

enum ptrace_event_flags {
	PTR_F_TARGET_UNKNOWN = 1,	/* no task with that pid (or the kernel could not look it up) */
	PTR_F_IOV_PARTIAL = 2,		/* iovecs beyond PTR_IOV_MAX were not summed */
	PTR_F_IOV_FAULT = 4,		/* the remote iovec array could not be read */
};

struct ptrace_event {
	struct event_header hdr;	/* the tracer (the caller) */
	__s64 ret;		/* ptrace: 0 or -errno; process_vm_*: bytes copied or -errno */
	__s64 request;		/* ptrace request (PTRACE_*); 0 for process_vm_* */
	/*
	 * u64s kept as 8 bytes: a word past 2^53 is no JavaScript number, and
	 * userspace shows these exactly (the word POKE* writes is often one).
	 */
	__u8 addr[8];		/* ptrace addr; process_vm_*: base of the first remote iovec */
	__u8 data[8];		/* ptrace data (the word written by POKE*, options, signal) */
	__u64 bytes;		/* process_vm_*: sum of the remote iovec lengths */
	__s32 target;		/* pid as passed (TRACEME: the parent, the tracer to be, by its pid in the initial namespace) */
	__u32 target_tgid;	/* the target's process id in the initial pid namespace, 0 when unknown */
	__u32 iovcnt;		/* process_vm_*: remote iovec count as passed */
	__u16 ev_flags;		/* enum ptrace_event_flags */
	__u16 pad;
	char target_comm[TASK_COMM_LEN];
};

#endif
