/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_BPFSNOOP_H
#define EBPFSH_BPFSNOOP_H

enum bpfsnoop_limits {
	BPF_ATTR_READ = 64,	/* bytes of union bpf_attr read: up to the end of prog_name */
	BPF_NAME_LEN = 16,	/* BPF_OBJ_NAME_LEN */
};

enum bpf_event_flags {
	BPF_EV_ATTR_FAULT = 1,	/* union bpf_attr could not be read: its fields are unknown */
};

struct bpf_event {
	struct event_header hdr;
	__s64 ret;		/* a new fd, 0, or -errno */
	__u32 cmd;		/* enum bpf_cmd */
	__u32 attr_size;	/* size passed with the attr */
	__u32 type;		/* PROG_LOAD: enum bpf_prog_type; MAP_CREATE: enum bpf_map_type */
	__u32 insn_cnt;		/* PROG_LOAD: instructions */
	__u32 key_size;		/* MAP_CREATE */
	__u32 value_size;
	__u32 max_entries;
	__u32 attach_type;	/* PROG_ATTACH, PROG_DETACH, LINK_CREATE: enum bpf_attach_type */
	__u32 target_fd;	/* PROG_ATTACH, LINK_CREATE: the cgroup or other target's fd */
	__u32 prog_fd;		/* PROG_ATTACH (attach_bpf_fd), LINK_CREATE */
	__u16 ev_flags;		/* enum bpf_event_flags */
	__u16 pad[3];
	char name[BPF_NAME_LEN];	/* PROG_LOAD: prog_name; MAP_CREATE: map_name (not NUL-terminated when 16 bytes) */
};

#endif
