/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record of the socket probes (bind, listen, accept, dup): one layout,
 * the syscall in hdr.kind, each probe's spec reading the members it needs.
 */
#ifndef EBPFSH_SOCKETS_H
#define EBPFSH_SOCKETS_H

enum sockets_limits {
	/* sizeof(sockaddr_un.sun_path): a unix socket address is never longer */
	SOCK_PATH_MAX = 108,
};

/* address families decoded by name (the kernel's AF_* values) */
enum sock_families {
	SOCK_AF_UNIX = 1,
	SOCK_AF_INET = 2,
	SOCK_AF_INET6 = 10,
};

/* protocols decoded by name (the kernel's IPPROTO_* values); others show as numbers */
enum sock_protocols {
	SOCK_PROTO_ICMP = 1,
	SOCK_PROTO_TCP = 6,
	SOCK_PROTO_UDP = 17,
	SOCK_PROTO_ICMPV6 = 58,
	SOCK_PROTO_SCTP = 132,
	SOCK_PROTO_UDPLITE = 136,
	SOCK_PROTO_RAW = 255,
	SOCK_PROTO_MPTCP = 262,
};

/* accept4 and dup3 flags shown by name (SOCK_NONBLOCK is O_NONBLOCK, SOCK_CLOEXEC is O_CLOEXEC) */
enum sock_call_flags {
	SOCK_FL_NONBLOCK = 04000,
	SOCK_FL_CLOEXEC = 02000000,
};

enum sock_kind {
	SOCK_KIND_BIND = 0,
	SOCK_KIND_LISTEN = 1,
	SOCK_KIND_ACCEPT = 2,
	SOCK_KIND_ACCEPT4 = 3,
	SOCK_KIND_DUP = 4,
	SOCK_KIND_DUP2 = 5,
	SOCK_KIND_DUP3 = 6,
	SOCK_KIND_FCNTL = 7,	/* fcntl(F_DUPFD or F_DUPFD_CLOEXEC) */
};

enum sock_event_flags {
	SOCK_F_ADDR_FAULT = 1,	/* bind: the caller's sockaddr could not be read */
	SOCK_F_NO_SOCKET = 2,	/* the fd held no socket (ENOTSOCK, EBADF): type, protocol unknown */
	SOCK_F_KERNEL_ADDR = 4,	/* the address is the socket's own (kernel), not the caller's sockaddr */
};

struct sock_event {
	struct event_header hdr;	/* kind: enum sock_kind */
	__s32 ret;		/* 0, the new fd, or -errno */
	__s32 fd;		/* the socket fd passed (dup: the old fd) */
	__s32 newfd;		/* dup: the fd the socket landed on (0, 1 or 2); -1 elsewhere */
	__s32 arg;		/* listen: backlog; accept4, dup3: flags; fcntl: the lowest fd asked for */
	__u16 family;		/* AF_INET, AF_INET6, AF_UNIX, ... */
	__u16 type;		/* SOCK_STREAM, SOCK_DGRAM, ... (0 when SOCK_F_NO_SOCKET) */
	__u16 protocol;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u16 lport;		/* host order */
	__u16 rport;
	__u16 ev_flags;		/* enum sock_event_flags */
	__u16 lpath_len;	/* AF_UNIX: bytes of data[] holding the local sun_path */
	__u16 rpath_len;	/* AF_UNIX: then the peer's */
	__u8 laddr[16];		/* AF_INET: the first 4 bytes */
	__u8 raddr[16];
	char data[];		/* lpath, rpath: raw sun_path bytes (abstract names start with NUL) */
};

#endif
