// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One do-nothing program per attach type, for `ebpfsh doctor`: which kinds
 * of hook this kernel loads and attaches (tp_btf, tracepoint and raw_tp are
 * what ebpfsh is built on; fentry, LSM and kprobe are optional upgrades some
 * kernels refuse or lack). Each is loaded alone, attached, and unloaded.
 */
/* every object carries the shared maps (the loader reuses them by name) */
#include "lib/exports.h"

SEC("tp_btf/sched_process_exec")
int BPF_PROG(doctor_tp_btf)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int doctor_tracepoint(void *ctx)
{
	return 0;
}

SEC("raw_tp/sched_process_exec")
int doctor_raw_tp(void *ctx)
{
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(doctor_fentry)
{
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(doctor_lsm)
{
	return 0;
}

SEC("kprobe/vfs_read")
int doctor_kprobe(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
