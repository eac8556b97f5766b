#!/usr/bin/env bash
# Build everything that needs no root: BPF objects, the addon, TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi
bash scripts/build-bpf.sh
gyp_args=()
[ -n "${npm_config_nodedir:-}" ] && gyp_args+=(--nodedir="$npm_config_nodedir")
# Configured again when binding.gyp changed (a new source file must reach the Makefile).
[ -f native/build/Makefile ] && [ native/build/Makefile -nt native/binding.gyp ] ||
	(cd native && ../node_modules/.bin/node-gyp configure "${gyp_args[@]}" --loglevel=error)
(cd native && ../node_modules/.bin/node-gyp build "${gyp_args[@]}" --loglevel=error >/dev/null)
node_modules/.bin/tsc -p tsconfig.json
# What `ebpfsh --version` names besides the version (src/runtime reads it; the release carries it).
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[ "$commit" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null && commit="$commit-dirty"
printf '{"commit":"%s","date":"%s"}\n' "$commit" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > dist/build-info.json
# The man page, from the built CLI's own --help.
node scripts/gen-man.mjs
