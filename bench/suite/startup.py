"""Start-up figures (issue 14): bench/startup.mjs, launch -> first event and
`--version` / `query` times of ebpfsh (installed launcher and release binary)
beside bpftrace, libbpf-tools and `node -e 0`."""
from __future__ import annotations

import subprocess

from .common import ROOT, Settings


def measure_startup(s: Settings) -> str:
    """Runs bench/startup.mjs and returns what it printed."""
    runs = '5' if s.quick else '11'
    try:
        r = subprocess.run(['node', str(ROOT / 'bench' / 'startup.mjs'), '--runs', runs], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
        return r.stdout if r.returncode == 0 else f'startup bench failed (exit {r.returncode}):\n{r.stdout}{r.stderr[-2000:]}'
    except subprocess.TimeoutExpired:
        return 'startup bench: timed out after 600 s'


def section_startup(text: str) -> list[str]:
    """Figure 9: what bench/startup.mjs printed."""
    if not text:
        return []
    return ['## 9. Start-up: launch to first event, --version, query', '',
            'From `node bench/startup.mjs` in this run. Launch -> first event: a copy of /bin/true named `ebbstart` '
            'is executed every 2 ms while the tracer starts; the time runs from the spawn to the first stdout line '
            'naming it. Wall time is what the targets are about; the CPU time beside it (wait4 rusage, or the '
            "tracer's schedstat at its first event) is far less inflated by other work on a shared machine.", '',
            '```', text.rstrip(), '```', '']
