#!/usr/bin/env bash
# Removes what set-up installed outside the checkout: /usr/local/lib/ebpfsh and
# the /usr/local/bin/ebpfsh link (system packages and the checkout stay).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "uninstall: run as root (sudo npm run uninstall)" >&2
	exit 1
fi
if [ -L /usr/local/bin/ebpfsh ]; then rm -f /usr/local/bin/ebpfsh; fi
rm -rf /usr/local/lib/ebpfsh
echo "uninstall: removed /usr/local/lib/ebpfsh and /usr/local/bin/ebpfsh" >&2
