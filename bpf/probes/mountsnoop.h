/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_MOUNTSNOOP_H
#define EBPFSH_MOUNTSNOOP_H

enum mount_kind {
	MOUNT_KIND_MOUNT = 0,		/* mount(source, target, type, flags, data) */
	MOUNT_KIND_UMOUNT = 1,		/* umount2(target, flags) */
	MOUNT_KIND_MOVE_MOUNT = 2,	/* move_mount(from_dfd, from_path, to_dfd, to_path, flags): source = from, target = to */
	MOUNT_KIND_FSOPEN = 3,		/* fsopen(type, flags): a new filesystem context fd */
	MOUNT_KIND_FSMOUNT = 4,		/* fsmount(fs_fd, flags, attr_flags): a detached mount fd */
	MOUNT_KIND_PIVOT_ROOT = 5,	/* pivot_root(new_root, put_old): target = new_root, source = put_old */
};

enum mountsnoop_limits {
	MOUNT_TYPE_MAX = 256,		/* bytes of the filesystem type kept, NUL included (power of two) */
	MOUNT_DATA_MAX = 1024,		/* bytes of mount(2)'s data (options) kept as a string, NUL included (power of two) */
};

enum mount_event_flags {
	MOUNT_F_TYPE_TRUNCATED = 1,
	MOUNT_F_DATA_TRUNCATED = 2,
	MOUNT_F_STRING_FAULT = 4,	/* source (as a string), type or data could not be read */
	MOUNT_F_SOURCE_PATH = 8,	/* source is a path (bind or move mount, move_mount, pivot_root): made absolute */
	MOUNT_F_SOURCE_TRUNCATED = 16,	/* source, as a string, over PATH_MAX - 1 bytes (the kernel refuses it) */
};

/* mount(2) flags (include/uapi/linux/mount.h), named by userspace from here. */
enum mount_ms_flags {
	MS_RDONLY = 1,
	MS_NOSUID = 2,
	MS_NODEV = 4,
	MS_NOEXEC = 8,
	MS_SYNCHRONOUS = 16,
	MS_REMOUNT = 32,
	MS_MANDLOCK = 64,
	MS_DIRSYNC = 128,
	MS_NOSYMFOLLOW = 256,
	MS_NOATIME = 1024,
	MS_NODIRATIME = 2048,
	MS_BIND = 4096,
	MS_MOVE = 8192,
	MS_REC = 16384,
	MS_SILENT = 32768,
	MS_POSIXACL = 1 << 16,
	MS_UNBINDABLE = 1 << 17,
	MS_PRIVATE = 1 << 18,
	MS_SLAVE = 1 << 19,
	MS_SHARED = 1 << 20,
	MS_RELATIME = 1 << 21,
	MS_KERNMOUNT = 1 << 22,
	MS_I_VERSION = 1 << 23,
	MS_STRICTATIME = 1 << 24,
	MS_LAZYTIME = 1 << 25,
};

enum mount_misc {
	MS_MGC_VAL = 0xc0ed0000,	/* the old magic in the high 16 bits of mount(2)'s flags: ignored by the kernel */
	MS_MGC_MSK = 0xffff0000,
};

/* umount2(2) flags. */
enum mount_umount_flags {
	MNT_FORCE = 1,
	MNT_DETACH = 2,
	MNT_EXPIRE = 4,
	UMOUNT_NOFOLLOW = 8,
};

/* move_mount(2) flags. */
enum mount_move_flags {
	MOVE_MOUNT_F_SYMLINKS = 0x1,
	MOVE_MOUNT_F_AUTOMOUNTS = 0x2,
	MOVE_MOUNT_F_EMPTY_PATH = 0x4,
	MOVE_MOUNT_T_SYMLINKS = 0x10,
	MOVE_MOUNT_T_AUTOMOUNTS = 0x20,
	MOVE_MOUNT_T_EMPTY_PATH = 0x40,
	MOVE_MOUNT_SET_GROUP = 0x100,
	MOVE_MOUNT_BENEATH = 0x200,
};

/* fsmount(2) attr_flags (MOUNT_ATTR_*); the atime mode is a 2-bit field in MOUNT_ATTR__ATIME. */
enum mount_attr_flags {
	MOUNT_ATTR_RDONLY = 0x1,
	MOUNT_ATTR_NOSUID = 0x2,
	MOUNT_ATTR_NODEV = 0x4,
	MOUNT_ATTR_NOEXEC = 0x8,
	MOUNT_ATTR_NOATIME = 0x10,
	MOUNT_ATTR_STRICTATIME = 0x20,
	MOUNT_ATTR_NODIRATIME = 0x80,
	MOUNT_ATTR_IDMAP = 0x100000,
	MOUNT_ATTR_NOSYMFOLLOW = 0x200000,
};

/* fsopen(2) and fsmount(2) flags: the one flag each has. */
enum mount_fd_flags {
	FSOPEN_CLOEXEC = 1,
	FSMOUNT_CLOEXEC = 1,
};

struct mount_event {
	struct event_header hdr;
	__s32 ret;		/* 0, a new fd (fsopen, fsmount), or -errno */
	__s32 from_dfd;		/* move_mount: from_dfd; fsmount: the filesystem context fd; else AT_FDCWD */
	__s32 to_dfd;		/* move_mount: to_dfd; else AT_FDCWD */
	__u16 source_flags;	/* enum user_path_flags of source (when a path) */
	__u16 target_flags;	/* enum user_path_flags of target */
	__u64 flags;		/* the syscall's flags argument: MS_*, MNT_*, MOVE_MOUNT_*, FSOPEN_* or FSMOUNT_* */
	__u64 attr_flags;	/* fsmount: MOUNT_ATTR_* */
	__u16 ev_flags;		/* enum mount_event_flags */
	__u16 source_len;	/* source: raw string or path, NUL included (0: none) */
	__u16 source_base_len;	/* a relative source path's directory (user_path.h) */
	__u16 target_len;
	__u16 target_base_len;
	__u16 type_len;		/* filesystem type (mount, fsopen) */
	__u16 data_len;		/* mount(2)'s data: the options string */
	__u16 pad;
	char data[];		/* source, source base, target, target base, type, data: each NUL-terminated when present */
};

#endif
