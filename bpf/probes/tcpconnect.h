/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFSH_TCPCONNECT_H
#define EBPFSH_TCPCONNECT_H

struct connect_event {
	struct event_header hdr;	/* the connecting task, taken at SYN_SENT */
	__s32 ret;		/* 0 established, else -errno (e.g. -ECONNREFUSED) */
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport;
	__u16 dport;
	__u16 pad;
	__u32 latency_us;	/* SYN_SENT to outcome */
	__u8 saddr[16];
	__u8 daddr[16];
};

#endif
