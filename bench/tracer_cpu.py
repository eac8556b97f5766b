#!/usr/bin/env python3
"""Tracer CPU per event and slowdown of `ebpfsh record` / `ebpfsh trace > file`
on the open storm, beside the targets (issue 16). Run as root after a build:

    sudo python3 bench/tracer_cpu.py [--reps 3] [--secs 3] [--baseline OTHER/bin/ebpfsh]

The measurement lives in bench/suite/tracer_cpu.py (bench/driver.py runs it
too, as figure 8)."""
import argparse
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite.processes import kill_all, on_signal  # noqa: E402
from suite.tracer_cpu import measure_tracer_cpu, report_tracer_cpu  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument('--reps', type=int, default=3)
ap.add_argument('--secs', type=float, default=3.0)
ap.add_argument('--baseline', help="another build's bin/ebpfsh, measured interleaved with this one (A/B)")
a = ap.parse_args()
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, on_signal)
try:
    with tempfile.TemporaryDirectory(prefix='ebpfsh-cpu-', dir='/var/tmp') as d:
        print('\n'.join(report_tracer_cpu(measure_tracer_cpu(a.reps, a.secs, Path(d), a.baseline))))
finally:
    kill_all()
