"""Replay and query figures on a generated 10M-event capture (bench/replay-bench.mjs)."""
from __future__ import annotations

import subprocess

from .common import ROOT, Settings


def measure_replay(s: Settings) -> str:
    """Runs bench/replay-bench.mjs (builds its 10M-event capture the first time) and returns what it printed."""
    if s.quick:
        return 'skipped in --quick (run node bench/replay-bench.mjs, or bench/run without --quick)'
    try:
        r = subprocess.run(['node', str(ROOT / 'bench' / 'replay-bench.mjs')], cwd=ROOT, capture_output=True, text=True, timeout=900)
        return r.stdout if r.returncode == 0 else f'replay bench failed (exit {r.returncode}):\n{r.stdout}{r.stderr[-2000:]}'
    except subprocess.TimeoutExpired:
        return 'replay bench: timed out after 900 s'
