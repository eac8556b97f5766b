#!/usr/bin/env bash
# One idempotent set-up: system packages, npm packages, BPF objects, the native
# addon, TypeScript, and `ebpfsh` on PATH. Fast when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
say() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
	say "run as root (sudo): it installs packages and ebpfsh loads BPF programs"
	exit 1
fi

# Set-up builds and installs this checkout's code to run as root: refuse when
# another user could change it (see docs/security.md).
for p in "$root" "$root/bin" "$root/bin/ebpfsh" "$root/dist" "$root/node_modules" "$root/native/build"; do
	if [ -e "$p" ] && [ -n "$(find -L "$p" -maxdepth 0 -perm -o+w 2>/dev/null)" ]; then
		say "$p can be written by any user, who could then run code as root through ebpfsh: chmod o-w it"
		exit 1
	fi
done

# 1. System packages (Debian 12).
pkgs=(clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config build-essential bpftool tmux python3 sqlite3 util-linux zsh clickhouse-server clickhouse-client)
# clickhouse-server/-client: test/fleet starts a private server on 127.0.0.1 (the package's own service is not used by ebpfsh).
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
	say "Node.js >= 20 is required (found $(node --version 2>/dev/null || echo none))"
	exit 1
fi

# node-gyp builds against Node's own headers when they are installed.
if [ -f /usr/include/node/node_api.h ]; then export npm_config_nodedir=/usr; fi

# 2. npm packages, when package-lock.json changed.
stamp=node_modules/.ebpfsh-lock
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	say "npm ci (builds better-sqlite3 from source the first time: ~80 s)"
	npm ci --no-audit --no-fund --loglevel=error
	echo "$want" > "$stamp"
fi

# 3. BPF objects and their layouts (incremental).
bash scripts/build-bpf.sh

# 4. The native addon (make is incremental).
gyp=node_modules/.bin/node-gyp
gyp_args=()
[ -n "${npm_config_nodedir:-}" ] && gyp_args+=(--nodedir="$npm_config_nodedir")
if [ ! -f native/build/Makefile ] || [ native/binding.gyp -nt native/build/Makefile ]; then
	(cd native && "../$gyp" configure "${gyp_args[@]}" --loglevel=error)
fi
(cd native && "../$gyp" build "${gyp_args[@]}" --loglevel=error >/dev/null)

# 5. TypeScript (incremental).
node_modules/.bin/tsc -p tsconfig.json
node scripts/gen-man.mjs

# 6. ebpfsh installed apart from the checkout: root-owned, with the Node it
# was built with, so root never runs a file another user can write, and an
# ordinary user can run `ebpfsh replay` whatever the checkout's permissions.
prefix=/usr/local/lib/ebpfsh
stamp="$prefix/.installed-from"
installed_fresh() {
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$root" ] &&
		[ -z "$(find dist build/bpf build/man native/build/Release/ebpfsh_native.node package-lock.json scripts/install-tree.sh -newer "$stamp" 2>/dev/null | head -1)" ]
}
if ! installed_fresh; then
	bash scripts/install-tree.sh "$prefix"
	echo "$root" > "$stamp"
	say "installed ebpfsh into $prefix"
fi
if [ "$(readlink /usr/local/bin/ebpfsh 2>/dev/null)" != "$prefix/bin/ebpfsh" ]; then
	ln -sfn "$prefix/bin/ebpfsh" /usr/local/bin/ebpfsh
	say "linked /usr/local/bin/ebpfsh -> $prefix/bin/ebpfsh (uninstall: npm run uninstall)"
fi
# The man page and completion scripts, where man, bash-completion and zsh look.
for f in share/man/man1/ebpfsh.1 share/bash-completion/completions/ebpfsh share/zsh/site-functions/_ebpfsh; do
	# never over a file of someone else's
	if [ ! -e "/usr/local/$f" ] || [ -L "/usr/local/$f" ]; then
		mkdir -p "$(dirname "/usr/local/$f")" && ln -sfn "$prefix/$f" "/usr/local/$f"
	fi
done
