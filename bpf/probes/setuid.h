/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_SETUID_H
#define EBPFSH_SETUID_H

enum cred_kind {
	CRED_KIND_SETUID = 0,
	CRED_KIND_SETREUID = 1,
	CRED_KIND_SETRESUID = 2,
	CRED_KIND_SETFSUID = 3,
	CRED_KIND_SETGID = 4,
	CRED_KIND_SETREGID = 5,
	CRED_KIND_SETRESGID = 6,
	CRED_KIND_SETFSGID = 7,
	CRED_KIND_CAPSET = 8,
};

enum cred_event_flags {
	CRED_F_GID = 1,		/* the id fields are group ids (set*gid); else user ids */
	CRED_F_CAP_FAULT = 2,	/* capset: the header or data could not be read, cap_* unknown */
};

struct cred_event {
	struct event_header hdr;	/* taken at sys_enter: uid/gid are the caller's before the call */
	__s64 ret;		/* 0 or -errno; setfsuid/setfsgid: the previous fs id */
	__u32 id1;		/* the ids asked for, in argument order (U32_MAX = -1: leave unchanged) */
	__u32 id2;
	__u32 id3;
	__u32 old_real;		/* current's cred at sys_enter: uids, or gids with CRED_F_GID */
	__u32 old_eff;
	__u32 old_saved;
	__u32 old_fs;
	__u32 new_real;		/* current's cred at sys_exit */
	__u32 new_eff;
	__u32 new_saved;
	__u32 new_fs;
	__u32 cap_version;	/* capset: header version (_LINUX_CAPABILITY_VERSION_*) */
	__s32 cap_pid;		/* capset: header pid (0 = self) */
	__u64 old_caps;		/* effective capabilities at sys_enter */
	__u64 new_caps;		/* effective capabilities at sys_exit */
	__u64 cap_eff;		/* capset: the sets asked for */
	__u64 cap_prm;
	__u64 cap_inh;
	__u16 ev_flags;		/* enum cred_event_flags */
	__u16 pad[3];
};

#endif
