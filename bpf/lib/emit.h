/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Delivering a record, and counting every event that is not delivered whole:
 * the loss counters and the emit path.
 */
#ifndef EBPFSH_EMIT_H
#define EBPFSH_EMIT_H

#include "event.h"

/*
 * Loss causes counted in the kernel; userspace adds its own after these.
 * Every event that reaches a hook (and passes the filter) is delivered or
 * counted under exactly one cause: RINGBUF_FULL, PENDING_FULL and FOLLOW_FULL
 * count events that were not delivered; STRING_FAULT and TRUNCATED count
 * delivered events that are damaged (flagged on the event), once per event,
 * and only once it was delivered. At most LOSS_STRIDE causes.
 */
enum loss_cause {
	LOSS_RINGBUF_FULL = 0,
	LOSS_STRING_FAULT = 1,	/* delivered: a string could not be read */
	LOSS_TRUNCATED = 2,	/* delivered: a field was cut to fit */
	LOSS_PENDING_FULL = 3,	/* a syscall in flight could not be tracked (no slot or map entry for it) */
	LOSS_FOLLOW_FULL = 4,	/* a new process could not be followed (the follow map was full) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAX_PROBES * LOSS_STRIDE);
	__type(key, __u32);
	__type(value, __u64);
} loss_counts SEC(".maps");

static __always_inline void count_loss_for(__u32 probe, enum loss_cause cause)
{
	__u32 key = probe * LOSS_STRIDE + cause;
	__u64 *n = bpf_map_lookup_elem(&loss_counts, &key);

	if (n)
		*n += 1;
}

static __always_inline void count_loss(enum loss_cause cause)
{
	count_loss_for(targ_probe_id, cause);
}

/*
 * Submit without waking the reader, except once per targ_wakeup_bytes of
 * data: when this record takes the pending bytes past a multiple of it. The
 * reader also drains on a short timer, and each wakeup costs ~3 us (an
 * irq_work): waking on every record while more than the threshold is
 * pending (a reader that lags, or drains a big backlog) made every record
 * pay one. A multiple, not the first crossing only: two CPUs that read the
 * same pending count can step over a crossing together, and the next one
 * still wakes the reader.
 */
static __always_inline bool emit(void *data, __u64 size)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (targ_wakeup_bytes && pending / targ_wakeup_bytes != (pending + size) / targ_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, data, size, flags)) {
		count_loss(LOSS_RINGBUF_FULL);
		return false;
	}
	return true;
}

/* What was wrong with a record's strings, worst first: counted once, as one cause. */
enum damage {
	DAMAGE_NONE = 0,
	DAMAGE_TRUNCATED = 1,
	DAMAGE_FAULT = 2,
};

/* Keep the worst damage seen so far. */
static __always_inline void damaged(enum damage *d, enum damage worse)
{
	if (worse > *d)
		*d = worse;
}

/*
 * Emit, then count the event's damage only if it was delivered: an event
 * that was not delivered is counted as ringbuf_full and nothing else.
 */
static __always_inline void emit_damaged(void *data, __u64 size, enum damage damage)
{
	if (!emit(data, size))
		return;
	if (damage == DAMAGE_FAULT)
		count_loss(LOSS_STRING_FAULT);
	else if (damage == DAMAGE_TRUNCATED)
		count_loss(LOSS_TRUNCATED);
}

#endif /* EBPFSH_EMIT_H */
