"""Paths, run settings, logging and the median every figure uses."""
from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EBPFSH = str(ROOT / 'bin' / 'ebpfsh')
STORM = str(ROOT / 'bench' / 'workloads' / 'build' / 'storm')
CLK_TCK = os.sysconf('SC_CLK_TCK')
T0 = time.monotonic()


@dataclass
class Settings:
    quick: bool
    reps: int  # repetitions of every figure (median taken)
    secs: float  # workload duration for throughput runs
    exec_secs: float  # exec storm is slow per op; same duration
    filter_reps: int  # the filter-cost figure needs more runs: the differences are small
    filter_secs: float
    latency_reps: int
    budget_s: float  # stop starting new measurements after this

    @staticmethod
    def make(quick: bool) -> 'Settings':
        if quick:
            return Settings(True, 3, 1.0, 1.0, 3, 1.0, 3, 600)
        return Settings(False, 3, 3.0, 3.0, 7, 2.0, 5, 2400)


def log(msg: str) -> None:
    print(f'bench [{time.monotonic() - T0:6.1f}s] {msg}', file=sys.stderr, flush=True)


def median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
