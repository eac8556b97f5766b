// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The reference bench/bpf-cost.mjs prints beside opensnoop: the least a
 * tracer that reports opens can do in the kernel. One hook
 * (sys_enter_openat), a small header (time, pid, uid, comm) and the path as
 * the caller passed it, emitted without a wakeup. It is not a probe: it does
 * not see the result, follows no directory, walks no path and filters nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define REF_PATH_MAX	256

struct ref_event {
	__u64 ts_ns;
	__u64 pid_tgid;
	__u64 uid_gid;
	char comm[16];
	char path[REF_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024 * 1024);
} ref_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ref_event);
} ref_scratch SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int ref_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u32 zero = 0;
	struct ref_event *e = bpf_map_lookup_elem(&ref_scratch, &zero);
	long n;

	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid_tgid = bpf_get_current_pid_tgid();
	e->uid_gid = bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[1]);
	if (n < 1)
		n = 1;
	if (n > REF_PATH_MAX)
		n = REF_PATH_MAX;
	bpf_ringbuf_output(&ref_events, e, __builtin_offsetof(struct ref_event, path) + n, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
