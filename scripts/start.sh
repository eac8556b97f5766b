#!/usr/bin/env bash
# Set up (idempotent) and start ebpfsh with the given arguments.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/setup.sh"
exec /usr/local/lib/ebpfsh/bin/ebpfsh "$@"
