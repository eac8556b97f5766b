#!/usr/bin/env bash
# Compile bpf/probes/*.bpf.c (which include bpf/lib/) into build/bpf/*.bpf.o
# (CO-RE), then derive from the objects' BTF the record layouts userspace
# decodes with (build/bpf/layouts.json) and the TypeScript skeleton of their
# enums, limits, program and map names (src/event/generated/skeleton.ts),
# which tsc compiles next. Incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bpf
mkdir -p "$out"

if [ ! -s build/vmlinux.h ] || [ /sys/kernel/btf/vmlinux -nt build/vmlinux.h ]; then
	[ -r /sys/kernel/btf/vmlinux ] || { echo "ebpfsh build: this kernel has no BTF (/sys/kernel/btf/vmlinux); ebpfsh needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > build/vmlinux.h.tmp
	mv build/vmlinux.h.tmp build/vmlinux.h
fi

arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
changed=0
for src in bpf/probes/*.bpf.c; do
	obj="$out/$(basename "${src%.c}").o"
	if [ ! -f "$obj" ] || [ -n "$(find "$src" bpf/lib/*.h bpf/probes/*.h build/vmlinux.h -newer "$obj" 2>/dev/null | head -1)" ]; then
		clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -Wall -Wno-unused-function \
			-I build -I bpf -c "$src" -o "$obj.tmp"
		mv "$obj.tmp" "$obj"
		changed=1
	fi
done
# Only the kernel types our objects relocate against: makes each load's CO-RE
# relocation ~3x cheaper than searching the whole vmlinux BTF.
if [ "$changed" = 1 ] || [ ! -f "$out/min_core.btf" ] || [ build/vmlinux.h -nt "$out/min_core.btf" ]; then
	bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$out/min_core.btf.tmp" "$out"/*.bpf.o
	mv "$out/min_core.btf.tmp" "$out/min_core.btf"
fi
skeleton=src/event/generated/skeleton.ts
if [ "$changed" = 1 ] || [ ! -f "$out/layouts.json" ] || [ ! -f "$skeleton" ] || [ scripts/gen-layouts.mjs -nt "$out/layouts.json" ]; then
	node scripts/gen-layouts.mjs "$out" --skeleton "$skeleton" > "$out/layouts.json.tmp"
	mv "$out/layouts.json.tmp" "$out/layouts.json"
fi
