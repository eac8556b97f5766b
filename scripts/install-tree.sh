#!/usr/bin/env bash
# Copies what ebpfsh needs at run time (dist/, the BPF objects and layouts,
# the native addon, the runtime npm packages, package.json) from this built
# checkout into DEST, with a launcher DEST/bin/ebpfsh that runs the Node it
# was installed with, not whichever `node` is first on PATH. Set-up installs
# into /usr/local/lib/ebpfsh (root-owned: root never runs a file another user
# can write); the tests install into a temp directory that other users can
# read, so they can run ebpfsh as uid 1000 from a checkout in a 0700 home.
# Usage: install-tree.sh DEST
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dest=${1:?usage: install-tree.sh DEST}
node_bin=$(readlink -f "$(command -v node)")

for need in dist/main.js build/man/ebpfsh.1 build/bpf/layouts.json native/build/Release/ebpfsh_native.node; do
	[ -e "$need" ] || { echo "install-tree: $need is missing: build first (npm run build)" >&2; exit 1; }
done

# Built beside DEST, then swapped in: a half-copied tree is never the one that runs.
new="$dest.new.$$"
rm -rf "$new"
mkdir -p "$new/bin" "$new/build/bpf" "$new/native/build/Release"
trap 'rm -rf "$new"' EXIT
cp -a package.json dist "$new/"
cp -a build/bpf/*.bpf.o build/bpf/layouts.json "$new/build/bpf/"
[ -f build/bpf/min_core.btf ] && cp -a build/bpf/min_core.btf "$new/build/bpf/"
cp -a native/build/Release/ebpfsh_native.node "$new/native/build/Release/"
# Only the packages ebpfsh runs with (no compilers, test tools or type definitions).
# node_modules may be a link (a git worktree's): npm names packages through it or by their real path.
modules=$(readlink -f node_modules)
npm ls --omit=dev --all --parseable 2>/dev/null | while IFS= read -r dir; do
	case "$dir" in
	"$root"/node_modules/*) rel=${dir#"$root"/} ;;
	"$modules"/*) rel=node_modules/${dir#"$modules"/} ;;
	*) continue ;;
	esac
	[ -e "$new/$rel" ] || { mkdir -p "$new/$(dirname "$rel")" && cp -a "$dir" "$new/$rel"; }
done
cat > "$new/bin/ebpfsh" <<EOF
#!/bin/sh
# ebpfsh, installed by scripts/install-tree.sh: the Node it was built with.
# A larger young generation: every event is a short-lived object (see the checkout's bin/ebpfsh).
# The shell: a 1 GiB old generation and glibc's fixed mmap threshold keep their RSS bounded (see the checkout's bin/ebpfsh).
mem=
case "\${1-}" in
  '' | -*)
    mem=--max-old-space-size=1024
    export MALLOC_MMAP_THRESHOLD_="\${MALLOC_MMAP_THRESHOLD_-131072}"
    ;;
esac
# No --enable-source-maps: it costs start-up on every module; EBPFSH_DEBUG=1 turns them on (src/main.ts).
exec $node_bin --max-semi-space-size=32 \$mem "$dest/dist/main.js" "\$@"
EOF
chmod 0755 "$new/bin/ebpfsh"
# The man page (made by the build from --help) and the completion scripts (from the installed CLI itself).
mkdir -p "$new/share/man/man1" "$new/share/bash-completion/completions" "$new/share/zsh/site-functions"
cp build/man/ebpfsh.1 "$new/share/man/man1/"
"$node_bin" "$new/dist/main.js" completion bash > "$new/share/bash-completion/completions/ebpfsh"
"$node_bin" "$new/dist/main.js" completion zsh > "$new/share/zsh/site-functions/_ebpfsh"
chmod -R go-w "$new"
chmod 0755 "$new"

old="$dest.old.$$"
[ -e "$dest" ] && mv "$dest" "$old"
mv "$new" "$dest"
rm -rf "$old"
trap - EXIT
