// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The socket probes without kprobes: bind, listen, accept(4) and the dup
 * family, each from its syscall tracepoints. sys_enter keeps the arguments
 * (bpf/lib/pending.h), sys_exit reads the socket behind the fd the call
 * acted on, once its result is known: a bind to port 0 shows the port the
 * kernel chose, an accept the peer of the new connection. Each probe loads
 * this object with only its own programs, so each has its own pending map.
 */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "lib/pending.h"
#include "lib/fd.h"
#include "sockets.h"

/* not in vmlinux.h, which has no macros */
#define S_IFMT		00170000
#define S_IFSOCK	0140000
#define SOCKFS_MAGIC	0x534F434B
#define F_DUPFD		0
#define F_DUPFD_CLOEXEC	1030
#define SUN_PATH_OFF	2	/* sockaddr_un: sa_family_t, then sun_path (ABI) */
#define MAX_STDIO_FD	2

/* a record and room for its two unix paths */
struct sock_buf {
	char bytes[sizeof(struct sock_event) + 2 * SOCK_PATH_MAX];
};

DEFINE_SCRATCH(sock_scratch, struct sock_buf);
DEFINE_PENDING(sock_pending);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct sockets_exports {
	struct lib_exports lib;
	enum sockets_limits limits;
	enum sock_families families;
	enum sock_protocols protocols;
	enum sock_call_flags call_flags;
	enum sock_type types;	/* the kernel's SOCK_STREAM, SOCK_DGRAM, ... */
	enum sock_kind kind;
	enum sock_event_flags ev_flags;
	struct sock_event record;
};
EXPORT_BTF(sockets_exports);

/*
 * The socket behind `fd`, or NULL. A socket's inode is S_IFSOCK on sockfs:
 * the mode alone is not enough, as an O_PATH open of a socket file on disk
 * also has an S_IFSOCK inode but no socket behind it.
 */
static __always_inline struct socket *fd_socket(int fd)
{
	struct file *f = fd_file(bpf_get_current_task_btf(), fd);
	struct inode *inode;

	if (!f)
		return NULL;
	inode = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	if (BPF_CORE_READ(inode, i_sb, s_magic) != SOCKFS_MAGIC)
		return NULL;
	return BPF_CORE_READ(f, private_data);
}

/* The sun_path bytes of a unix socket's address into dst; 0 when unnamed. */
static __always_inline __u32 unix_path(const struct sock *sk, char *dst)
{
	struct unix_address *a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	int alen;
	__u64 len;	/* 64-bit: a __u32 is compared as a zero-extended copy the read does not use */

	if (!a)
		return 0;
	alen = BPF_CORE_READ(a, len);
	if (alen <= SUN_PATH_OFF)
		return 0;
	len = (__u64)alen - SUN_PATH_OFF;
	/* clamp the very register the read uses: clang would otherwise test a copy */
	barrier_var(len);
	if (len > SOCK_PATH_MAX)
		len = SOCK_PATH_MAX;
	barrier_var(len);
	if (bpf_probe_read_kernel(dst, len, a->name[0].sun_path))
		return 0;
	return len;
}

/*
 * The socket's type, family, protocol and both ends as the kernel holds them.
 * Returns the bytes of data[] used (unix paths).
 */
static __always_inline __u32 read_socket(struct socket *sock, struct sock_event *e)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	struct sock *peer;
	__u32 n, m;

	e->type = BPF_CORE_READ(sock, type);
	if (!sk)
		return 0;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->ev_flags |= SOCK_F_KERNEL_ADDR;
	/* sized reads: BPF_CORE_READ_INTO on an array copies sizeof(*dst), 1 byte here */
	if (e->family == SOCK_AF_INET) {
		bpf_core_read(e->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (e->family == SOCK_AF_INET6) {
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else if (e->family == SOCK_AF_UNIX) {
		n = unix_path(sk, e->data);
		if (n > SOCK_PATH_MAX)
			return 0;	/* unreachable: bounds for the verifier */
		e->lpath_len = n;
		peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		m = peer ? unix_path(peer, e->data + n) : 0;
		if (m > SOCK_PATH_MAX)
			return n;	/* unreachable: bounds for the verifier */
		e->rpath_len = m;
		return n + m;
	} else {
		return 0;
	}
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return 0;
}

/*
 * The address the caller passed to bind, read at sys_exit (the kernel has
 * copied it by then, so its page is present). Returns the data[] bytes used.
 */
static __always_inline __u32 user_sockaddr(const void *uaddr, int addrlen, struct sock_event *e, enum damage *damage)
{
	__u16 family = 0;
	__u64 n;

	e->ev_flags &= ~SOCK_F_KERNEL_ADDR;
	e->lport = 0;
	e->lpath_len = 0;
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	if (addrlen < (int)sizeof(family) || bpf_probe_read_user(&family, sizeof(family), uaddr))
		goto fault;
	e->family = family;
	if (family == SOCK_AF_INET) {
		struct sockaddr_in sin = {};

		if (bpf_probe_read_user(&sin, sizeof(sin), uaddr))
			goto fault;
		e->lport = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(e->laddr, &sin.sin_addr, 4);
	} else if (family == SOCK_AF_INET6) {
		struct sockaddr_in6 sin6 = {};

		if (bpf_probe_read_user(&sin6, sizeof(sin6), uaddr))
			goto fault;
		e->lport = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(e->laddr, &sin6.sin6_addr, 16);
	} else if (family == SOCK_AF_UNIX) {
		if (addrlen <= SUN_PATH_OFF)
			return 0;
		n = (__u64)addrlen - SUN_PATH_OFF;
		barrier_var(n);
		if (n > SOCK_PATH_MAX)
			n = SOCK_PATH_MAX;
		barrier_var(n);
		if (bpf_probe_read_user(e->data, n, uaddr + SUN_PATH_OFF))
			goto fault;
		e->lpath_len = n;
		return n;
	}
	return 0;
fault:
	e->ev_flags |= SOCK_F_ADDR_FAULT;
	damaged(damage, DAMAGE_FAULT);
	return 0;
}

/* This CPU's record, cleared, with the header of the current task. */
static __always_inline struct sock_event *new_record(__u16 kind, long ret, int fd)
{
	struct sock_event *e = scratch_of(&sock_scratch);

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, kind);
	e->ret = ret;
	e->fd = fd;
	e->newfd = -1;
	return e;
}

/* Emits the record with `used` bytes of unix paths. */
static __always_inline void send_record(struct sock_event *e, __u32 used, enum damage damage)
{
	if (used > 2 * SOCK_PATH_MAX)
		return;		/* unreachable: bounds for the verifier */
	emit_damaged(e, sizeof(*e) + used, damage);
}

/* The socket at `fd` into the record, or SOCK_F_NO_SOCKET; the data[] bytes used. */
static __always_inline __u32 socket_of_fd(int fd, struct sock_event *e)
{
	struct socket *sock = fd_socket(fd);

	if (!sock) {
		e->ev_flags |= SOCK_F_NO_SOCKET;
		return 0;
	}
	return read_socket(sock, e);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&sock_pending, SOCK_KIND_BIND, ctx);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args *a = pending_syscall(&sock_pending);
	enum damage damage = DAMAGE_NONE;
	struct sock_event *e;
	__u32 used;

	if (!a)
		return 0;
	e = new_record(SOCK_KIND_BIND, ctx->ret, (int)a->args[0]);
	if (!e)
		goto out;
	used = socket_of_fd((int)a->args[0], e);
	/* a failed bind bound nothing: what was asked for is in the caller's sockaddr */
	if (ctx->ret != 0 || (e->ev_flags & SOCK_F_NO_SOCKET))
		used = user_sockaddr((const void *)a->args[1], (int)a->args[2], e, &damage);
	send_record(e, used, damage);
out:
	end_syscall(&sock_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_listen")
int enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&sock_pending, SOCK_KIND_LISTEN, ctx);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct syscall_args *a = pending_syscall(&sock_pending);
	struct sock_event *e;
	__u32 used;

	if (!a)
		return 0;
	e = new_record(SOCK_KIND_LISTEN, ctx->ret, (int)a->args[0]);
	if (!e)
		goto out;
	e->arg = (int)a->args[1];
	/* after listen() an unbound TCP socket has been given a port: read it now */
	used = socket_of_fd((int)a->args[0], e);
	send_record(e, used, DAMAGE_NONE);
out:
	end_syscall(&sock_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&sock_pending, SOCK_KIND_ACCEPT, ctx);
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&sock_pending, SOCK_KIND_ACCEPT4, ctx);
}

static __always_inline int exit_accept_common(long ret)
{
	struct syscall_args *a = pending_syscall(&sock_pending);
	struct sock_event *e;
	__u32 used;

	if (!a)
		return 0;
	e = new_record(a->kind, ret, (int)a->args[0]);
	if (!e)
		goto out;
	if (a->kind == SOCK_KIND_ACCEPT4)
		e->arg = (int)a->args[3];
	/* the new connection's ends; a failed accept shows the listener it was waiting on */
	used = socket_of_fd(ret >= 0 ? (int)ret : (int)a->args[0], e);
	send_record(e, used, DAMAGE_NONE);
out:
	end_syscall(&sock_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept_common(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept_common(ctx->ret);
}

/*
 * The dup family: only a socket landing on stdin, stdout or stderr is worth a
 * record (a shell's stdio wired to a connection). dup2/dup3 name their target
 * at sys_enter, so every other target costs one compare; fcntl only for
 * F_DUPFD* with a lowest fd of 0-2; dup's target is only known at sys_exit.
 */
SEC("tracepoint/syscalls/sys_enter_dup")
int enter_dup(struct trace_event_raw_sys_enter *ctx)
{
	return stash_syscall(&sock_pending, SOCK_KIND_DUP, ctx);
}

SEC("tracepoint/syscalls/sys_enter_dup2")
int enter_dup2(struct trace_event_raw_sys_enter *ctx)
{
	if ((__u64)ctx->args[1] > MAX_STDIO_FD)
		return 0;
	return stash_syscall(&sock_pending, SOCK_KIND_DUP2, ctx);
}

SEC("tracepoint/syscalls/sys_enter_dup3")
int enter_dup3(struct trace_event_raw_sys_enter *ctx)
{
	if ((__u64)ctx->args[1] > MAX_STDIO_FD)
		return 0;
	return stash_syscall(&sock_pending, SOCK_KIND_DUP3, ctx);
}

SEC("tracepoint/syscalls/sys_enter_fcntl")
int enter_fcntl(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[1] != F_DUPFD && ctx->args[1] != F_DUPFD_CLOEXEC)
		return 0;
	if ((__u64)ctx->args[2] > MAX_STDIO_FD)
		return 0;
	return stash_syscall(&sock_pending, SOCK_KIND_FCNTL, ctx);
}

static __always_inline int exit_dup_common(long ret)
{
	struct syscall_args *a = pending_syscall(&sock_pending);
	struct socket *sock;
	struct sock_event *e;
	long target;
	int oldfd;

	if (!a)
		return 0;
	oldfd = (int)a->args[0];
	/* a failed dup2/dup3 still says which stdio fd a socket was meant for */
	target = ret;
	if (ret < 0 && (a->kind == SOCK_KIND_DUP2 || a->kind == SOCK_KIND_DUP3))
		target = (long)a->args[1];
	if (target < 0 || target > MAX_STDIO_FD)
		goto out;
	sock = fd_socket(ret >= 0 ? (int)ret : oldfd);
	if (!sock)
		goto out;
	e = new_record(a->kind, ret, oldfd);
	if (!e)
		goto out;
	e->newfd = target;
	if (a->kind == SOCK_KIND_DUP3 || a->kind == SOCK_KIND_FCNTL)
		e->arg = (int)a->args[2];
	send_record(e, read_socket(sock, e), DAMAGE_NONE);
out:
	end_syscall(&sock_pending);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_dup")
int exit_dup(struct trace_event_raw_sys_exit *ctx)
{
	return exit_dup_common(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_dup2")
int exit_dup2(struct trace_event_raw_sys_exit *ctx)
{
	return exit_dup_common(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_dup3")
int exit_dup3(struct trace_event_raw_sys_exit *ctx)
{
	return exit_dup_common(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_fcntl")
int exit_fcntl(struct trace_event_raw_sys_exit *ctx)
{
	return exit_dup_common(ctx->ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
