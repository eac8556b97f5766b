/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A per-CPU buffer to build a record in when it does not fit the BPF stack
 * (512 bytes); each probe declares its own with DEFINE_SCRATCH(name, value_type),
 * so two probes never write into one buffer.
 */
#ifndef EBPFSH_SCRATCH_H
#define EBPFSH_SCRATCH_H

#include "event.h"
#include "path.h"

/*
 * A variable-length record uses [0, SCRATCH_WALK) and a path walk
 * (build_path) the 2 * PATH_MAX_LEN bytes from SCRATCH_WALK, so the two never
 * overlap. 32 KiB is the largest per-CPU value the kernel allows.
 */
#define SCRATCH_SIZE	32768
#define SCRATCH_WALK	20480

/* + WALK_SPILL: a walk's word stores at the masked end of its area (bpf/lib/path.h) must stay in the value */
_Static_assert(SCRATCH_WALK + 2 * PATH_MAX_LEN + WALK_SPILL <= SCRATCH_SIZE, "a path walk fits after the record");

/* The scratch buffer of records with a data[] tail and a path walk. */
struct scratch {
	char buf[SCRATCH_SIZE];
};

/* A per-CPU array of one `value_type`: the scratch buffer called `name`. */
#define DEFINE_SCRATCH(name, value_type)		\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);	\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, value_type);		\
	} name SEC(".maps")

/* This CPU's scratch buffer of `map` (NULL never happens for index 0, but the verifier wants the check). */
static __always_inline void *scratch_of(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

#endif /* EBPFSH_SCRATCH_H */
