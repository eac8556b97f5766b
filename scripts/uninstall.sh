#!/usr/bin/env bash
# Removes what set-up installed outside the checkout: /usr/local/lib/ebpfsh and
# the /usr/local/bin/ebpfsh link (system packages and the checkout stay).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "uninstall: run as root (sudo npm run uninstall)" >&2
	exit 1
fi
if [ -L /usr/local/bin/ebpfsh ]; then rm -f /usr/local/bin/ebpfsh; fi
for f in share/man/man1/ebpfsh.1 share/bash-completion/completions/ebpfsh share/zsh/site-functions/_ebpfsh; do
	case "$(readlink "/usr/local/$f" 2>/dev/null)" in /usr/local/lib/ebpfsh/*) rm -f "/usr/local/$f" ;; esac
done
rm -rf /usr/local/lib/ebpfsh
echo "uninstall: removed /usr/local/lib/ebpfsh, /usr/local/bin/ebpfsh, its man page and completions" >&2
