"""Tracer CPU per event in steady state (issue 16): `ebpfsh record` and
`ebpfsh trace > file` on the open storm, with the workload's slowdown, the
events each kept and the losses, next to the targets.

CPU is user+sys of the tracer process, all threads (the writer thread
included), read from /proc/<pid>/stat just before the workload starts and
again once the tracer has caught up (its CPU stopped growing), so start-up,
attach and finalize are left out. It is divided by the events the tracer
handled in that window (the capture's rows, or the lines written).
Each figure is the median of the repetitions; the tools are interleaved
inside each repetition so noise on the machine spreads over all of them.

Standalone: `sudo python3 bench/tracer_cpu.py [--reps 3] [--secs 3]`.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .common import EBPFSH, log, median
from .processes import cpu_seconds, run_workload, spawn, stop, wait_ready

TARGETS = {'record': (1.5, 1.6), 'trace': (None, 1.5)}  # (µs/event, slowdown)


@dataclass
class CpuRun:
    ops_per_s: float
    ops: int
    cpu_s: float | None = None
    events: int | None = None  # events the tracer handled in the window
    workload_events: int | None = None  # of them, the workload's
    lost: str = ''
    ok: bool = True
    error: str = ''

    @property
    def us_per_event(self) -> float | None:
        return self.cpu_s / self.events * 1e6 if self.cpu_s is not None and self.events else None


def wait_cpu_settled(pid: int, window: float = 0.3, idle_s: float = 0.02, timeout: float = 30) -> float | None:
    """Waits until the process uses less than `idle_s` CPU per `window` (it caught up); returns its CPU then."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now is None or last is None:
            return now
        if now - last < idle_s:
            return now
        last = now
    return last


def _count(db: Path, sql: str, *params: object) -> int | None:
    try:
        con = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
        try:
            return con.execute(sql, params).fetchone()[0]
        finally:
            con.close()
    except Exception as e:  # noqa: BLE001 - reported as n/a
        log(f'cannot read capture {db}: {e}')
        return None


def one_run(mode: str, target: Path, secs: float, tmp: Path, ebpfsh: str = EBPFSH) -> CpuRun:
    """One traced run of the open storm under `ebpfsh trace > file` or `ebpfsh record` (`ebpfsh`: which build)."""
    storm = ['open', str(target), '-t', str(secs)]
    if mode == 'untraced':
        r = run_workload(storm, secs + 30)
        return CpuRun(r['ops_per_s'], r['ops'])
    out, err, db = tmp / 'cpu-out.txt', tmp / 'cpu-err.txt', tmp / 'cpu-rec.db'
    for f in [out, err, *tmp.glob('cpu-rec.db*')]:
        f.unlink(missing_ok=True)
    cmd = [ebpfsh, 'trace', 'open'] if mode == 'trace' else [ebpfsh, 'record', '-w', str(db), 'open', '--duration', '600']
    with open(out if mode == 'trace' else os.devnull, 'wb') as o, open(err, 'wb') as e:
        p = spawn(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
    try:
        if not wait_ready(p, [err], 'Ctrl-C to stop'):
            return CpuRun(0, 0, ok=False, error=f'not ready: {err.read_text(errors="replace")[-300:]}')
        time.sleep(0.2)
        lines0 = sum(1 for _ in out.open('rb')) if mode == 'trace' else 0
        cpu0 = cpu_seconds(p.pid)
        r = run_workload(storm, secs + 30)
        cpu1 = wait_cpu_settled(p.pid)
        lines1 = sum(1 for _ in out.open('rb')) if mode == 'trace' else 0
    finally:
        stop(p)
    run = CpuRun(r['ops_per_s'], r['ops'])
    if cpu0 is not None and cpu1 is not None:
        run.cpu_s = cpu1 - cpu0
    stderr = err.read_text(errors='replace')
    lost = [l for l in stderr.splitlines()
            if ('losses:' in l and 'losses: none' not in l) or ' lost' in l or re.search(r'\b[1-9]\d* dropped', l)]
    run.lost = '; '.join(l.strip() for l in lost)[:200]
    if mode == 'trace':
        run.events = lines1 - lines0
        needle = str(target).encode()
        run.workload_events = sum(1 for line in out.open('rb') if needle in line)
    else:
        # Rows written during the window: all of them but the few before the workload (those cost little CPU).
        run.events = _count(db, 'select count(*) from "open"')
        run.workload_events = _count(db, 'select count(*) from "open" where path = ?', str(target))
    return run


def measure_tracer_cpu(reps: int, secs: float, tmp: Path, baseline: str | None = None) -> dict[str, list[CpuRun]]:
    """`reps` interleaved repetitions of untraced, trace > file and record; with `baseline` (another
    checkout's bin/ebpfsh), its trace and record too, interleaved with ours (keys 'trace@baseline', ...)."""
    target = tmp / 'ebb-cpu-target'
    target.write_text('x')
    modes = ['untraced', 'trace', 'record']
    if baseline:
        modes += ['trace@baseline', 'record@baseline']
    runs: dict[str, list[CpuRun]] = {m: [] for m in modes}
    for rep in range(reps):
        for mode in modes:
            kind, _, which = mode.partition('@')
            try:
                r = one_run(kind, target, secs, tmp, baseline if which else EBPFSH)
            except RuntimeError as e:
                r = CpuRun(0, 0, ok=False, error=str(e))
            runs[mode].append(r)
            us = f', {r.us_per_event:.2f} µs/event' if r.us_per_event else ''
            log(f'tracer cpu rep {rep + 1}/{reps} {mode}: {r.ops_per_s:,.0f} ops/s{us}'
                + (f', {r.workload_events}/{r.ops} workload events' if r.workload_events is not None else '')
                + (f' ERROR {r.error}' if not r.ok else ''))
    return runs


def report_tracer_cpu(runs: dict[str, list[CpuRun]], targets: list[tuple[str, str, str]] | None = None) -> list[str]:
    """Markdown lines: CPU/event and slowdown per mode beside the targets (appended to `targets` too, when given)."""
    base = median([r.ops_per_s for r in runs['untraced'] if r.ok])
    L = ['## Tracer CPU per event, open storm (issue 16)', '',
         'user+sys of the tracer process (all threads, writer included) from /proc/<pid>/stat, from the workload start '
         'until the tracer caught up, divided by the events it handled; median of the repetitions.', '',
         '| tracer | CPU µs/event | target | slowdown | target | workload events kept | losses |',
         '|---|---:|---:|---:|---:|---:|---|']
    for mode in [m for m in runs if m != 'untraced']:
        ok = [r for r in runs[mode] if r.ok]
        us = median([r.us_per_event for r in ok])
        ops = median([r.ops_per_s for r in ok])
        slow = base / ops if base and ops else None
        kind, _, which = mode.partition('@')
        t_us, t_slow = TARGETS[kind]
        kept = ', '.join(f'{r.workload_events}/{r.ops}' for r in ok)
        lost = '; '.join(r.lost for r in ok if r.lost) or 'none'
        name = ('ebpfsh trace > file' if kind == 'trace' else 'ebpfsh record') + (f' ({which})' if which else '')
        complete = bool(ok) and all(r.workload_events == r.ops for r in ok) and not any(r.lost for r in ok)
        if targets is not None and us is not None and not which:
            if t_us:
                targets.append((f'`{name}` tracer CPU ≤ {t_us} µs/event (open storm, all threads)', f'{us:.2f} µs/event',
                                'met' if us <= t_us else 'missed'))
            targets.append((f'`{name}` open-storm slowdown ≤ {t_slow}x' + (', 0 lost, every event kept' if kind == 'record' else ''),
                            f'{slow:.2f}x' + ('' if complete else ', NOT every event kept') if slow else 'n/a',
                            'met' if slow and slow <= t_slow and complete else 'missed'))
        L.append(f'| {name} | {us:.2f} | {"≤ %.1f" % t_us if t_us else "-"} | '
                 f'{"%.2fx" % slow if slow else "n/a"} | ≤ {t_slow}x | {kept} | {lost} |' if us is not None else
                 f'| {name} | n/a | | | | | {"; ".join(r.error for r in runs[mode] if r.error)[:200]} |')
    L.append('')
    return L
