#!/usr/bin/env python3
"""ebpfsh benchmarks beside the peers (issue 7).

Run through `bench/run` (which builds, installs peers and compiles the
workloads first). Each measurement is one module of bench/suite/; each value
is the median of several runs, with the tools interleaved inside each
repetition so that noise from other work on the machine spreads over all of
them. bench/suite/report.py turns the results into docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suite.attach_latency import measure_attach_latency
from suite.bpf_cost import measure_bpf_cost
from suite.common import EBPFSH, ROOT, T0, Settings, log
from suite.filter_cost import measure_filter_cost
from suite.processes import kill_all, on_signal
from suite.queries import measure_queries
from suite.replay import measure_replay
from suite.shell import measure_shell
from suite.report import environment, report
from suite.slowdown import measure_slowdown
from suite.startup import measure_startup
from suite.tracers import workloads
from suite.tracer_cpu import measure_tracer_cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--quick', action='store_true', help='~6-8 minutes (short runs; no 10M-event capture), for development')
    ap.add_argument('--only', default='', help='comma list of figures to run (1,3,5,7,8,9,10,11,12), for development')
    ap.add_argument('--workloads', default='open,exec,connect', help='workloads of figure 1, for development')
    ap.add_argument('--out', default=str(ROOT / 'docs' / 'benchmarks.md'))
    a = ap.parse_args()
    s = Settings.make(a.quick)
    only = set(a.only.split(',')) if a.only else {'1', '3', '5', '7', '8', '9', '10', '11', '12'}
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    help_out = subprocess.run([EBPFSH, 'record', '--help'], capture_output=True, text=True, timeout=30)
    have_record = help_out.returncode == 0 and 'Usage: ebpfsh record' in help_out.stdout
    log(f'mode {"quick" if s.quick else "full"}; ebpfsh record {"found" if have_record else "not available yet"}')
    env = environment()
    skipped: list[str] = []
    results: dict = {}
    try:
        with tempfile.TemporaryDirectory(prefix='ebpfsh-bench-', dir='/var/tmp') as d:
            tmp = Path(d)
            ws = workloads(tmp)
            fig1_ws = {k: v for k, v in ws.items() if k in a.workloads.split(',')}
            # (figure, label, result key, measurement); figures 2, 4 and 6 come from figure 1's runs.
            plan = [('1', 'figures 1, 2, 4, 6', 'slowdown', lambda: measure_slowdown(s, fig1_ws, have_record, tmp)),
                    ('3', 'figure 3', 'filter_cost', lambda: measure_filter_cost(s, ws, tmp)),
                    ('5', 'figure 5', 'attach_latency', lambda: measure_attach_latency(s, ws, tmp)),
                    ('7', 'figure 7', 'replay', lambda: measure_replay(s)),
                    ('8', 'figure 8', 'tracer_cpu', lambda: measure_tracer_cpu(s.reps, s.secs, tmp)),
                    ('9', 'figure 9', 'startup', lambda: measure_startup(s)),
                    ('10', 'figure 10', 'queries', lambda: measure_queries(s)),
                    ('11', 'figure 11', 'bpf_cost', lambda: measure_bpf_cost(s)),
                    ('12', 'figure 12', 'shell', lambda: measure_shell(s))]
            for key, label, name, measure in plan:
                if key not in only:
                    continue
                if time.monotonic() - T0 > s.budget_s:
                    skipped.append(label)
                    log(f'skipping {label}: over the time budget')
                    continue
                results[name] = measure()
    finally:
        kill_all()
    elapsed = time.monotonic() - T0
    text = report(s, env, results, have_record, elapsed, skipped)
    Path(a.out).write_text(text)
    log(f'wrote {a.out} in {elapsed:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
