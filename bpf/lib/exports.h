/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Types userspace takes from an object's BTF (scripts/gen-layouts.mjs writes
 * them to src/event/generated/skeleton.ts): clang emits BTF only for types
 * something in the object refers to, and an enum that only code uses is not
 * among them. A probe lists them by value (through a pointer, clang emits
 * only a forward declaration) in a struct: `struct lib_exports lib` first,
 * its enums, then its record last (it may end in a flexible array), and
 * anchors it with EXPORT_BTF(); the anchor is one unused pointer in .bss
 * that no code reads.
 */
#ifndef EBPFSH_EXPORTS_H
#define EBPFSH_EXPORTS_H

#include "filter.h"
#include "emit.h"
#include "user_path.h"

/*
 * The enums of bpf/lib/ userspace needs, and struct probe_filter (its map
 * gives only the size).
 */
struct lib_exports {
	enum ebpfsh_limits limits;
	enum loss_cause loss;
	enum filter_mode filter;
	enum user_path_flags upath;
	struct probe_filter filter_entry;
};

/* Anchors `struct type` (and all it holds) in the object's BTF as `btf_exports`. */
#define EXPORT_BTF(type) const struct type *btf_exports __attribute__((unused))

#endif /* EBPFSH_EXPORTS_H */
