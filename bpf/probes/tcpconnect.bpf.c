// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tcpconnect without kprobes: inet_sock_set_state CLOSE->SYN_SENT runs in the
 * connecting task (filter and header taken there); SYN_SENT->ESTABLISHED or
 * ->CLOSE gives the outcome and the source port, possibly from softirq.
 */
#include "lib/exports.h"
#include "lib/scratch.h"
#include "tcpconnect.h"

#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6
#define ECONNREFUSED	111
#define CONNECT_PENDING_ENTRIES	16384
#define IPV4_ADDR_LEN	4
#define IPV6_ADDR_LEN	16

/*
 * Not an LRU map: an LRU evicts a connect in progress without a trace. Keyed
 * by socket; every SYN_SENT socket leaves that state (established, or closed
 * on error or timeout), which deletes the entry. When the map is full the
 * connect is counted as pending_full.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CONNECT_PENDING_ENTRIES);
	__type(key, __u64);
	__type(value, struct connect_event);
} connect_pending SEC(".maps");

/* the record of a connect in progress is built here, then kept in connect_pending */
DEFINE_SCRATCH(connect_scratch, struct connect_event);

/* What userspace reads from this object's BTF (bpf/lib/exports.h). */
struct tcpconnect_exports {
	struct lib_exports lib;
	struct connect_event record;
};
EXPORT_BTF(tcpconnect_exports);

/*
 * A field of the socket: a plain load when `sk` is a BTF pointer (tp_btf),
 * else a bpf_probe_read_kernel (tracepoint: the pointer is a number). Each
 * caller passes a constant, so the other branch is compiled away.
 */
#define SK_READ(btf, sk, ...) ((btf) ? (sk)->__VA_ARGS__ : BPF_CORE_READ(sk, __VA_ARGS__))

/* Sized reads: BPF_CORE_READ_INTO on an array copies sizeof(*dst), 1 byte here. */
static __always_inline void read_addrs(const struct sock *sk, struct connect_event *e, bool btf)
{
	if (e->family == AF_INET) {
		if (btf) {
			__builtin_memcpy(e->saddr, &sk->__sk_common.skc_rcv_saddr, IPV4_ADDR_LEN);
			__builtin_memcpy(e->daddr, &sk->__sk_common.skc_daddr, IPV4_ADDR_LEN);
			return;
		}
		bpf_core_read(e->saddr, IPV4_ADDR_LEN, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(e->daddr, IPV4_ADDR_LEN, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(e->saddr, IPV6_ADDR_LEN, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, IPV6_ADDR_LEN, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline int handle_state(const struct sock *sk, int oldstate, int newstate, bool btf)
{
	__u64 key = (__u64)sk;
	struct connect_event *e;
	__u16 family, proto;
	__u64 now;

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		family = SK_READ(btf, sk, __sk_common.skc_family);
		proto = SK_READ(btf, sk, sk_protocol);
		if (proto != IPPROTO_TCP || (family != AF_INET && family != AF_INET6))
			return 0;
		if (!should_trace())
			return 0;
		e = scratch_of(&connect_scratch);
		if (!e)
			return 0;
		__builtin_memset(e, 0, sizeof(*e));
		fill_header(&e->hdr, 0);
		e->family = family;
		e->dport = bpf_ntohs(SK_READ(btf, sk, __sk_common.skc_dport));
		/* the addresses are read at the outcome, where they are final */
		if (bpf_map_update_elem(&connect_pending, &key, e, BPF_ANY))
			count_loss(LOSS_PENDING_FULL);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	e = bpf_map_lookup_elem(&connect_pending, &key);
	if (!e)
		return 0;
	if (newstate == TCP_ESTABLISHED) {
		e->ret = 0;
	} else {
		int err = SK_READ(btf, sk, sk_err);

		e->ret = err ? -err : -ECONNREFUSED;
	}
	e->sport = SK_READ(btf, sk, __sk_common.skc_num);
	if (!e->sport)	/* already unhashed on some error paths: the bound port is still here */
		e->sport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));	/* a read: the verifier types sk as struct sock */
	read_addrs(sk, e, btf);
	now = bpf_ktime_get_ns();
	e->latency_us = (now - e->hdr.ts_ns) / NSEC_PER_USEC;
	e->hdr.ts_ns = now;
	emit(e, sizeof(*e));
	bpf_map_delete_elem(&connect_pending, &key);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return handle_state(sk, oldstate, newstate, true);
}

SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return handle_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
