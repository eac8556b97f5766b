"""Attach latency: command start to first event for each tracer, and attach
inside an already running ebpfsh session."""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from .common import EBPFSH, ROOT, STORM, Settings, log
from .processes import spawn, stop
from .tracers import Workload


def first_event_latency(cmd: list[str], needle: str, w: Workload, timeout: float = 30) -> float | None:
    """Command start to the first line naming the workload's file, with the
    workload opening that file every millisecond from the same moment."""
    trickle = spawn([STORM, *w.args, '-i', '1000', '-t', str(timeout + 5)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    p = spawn(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    buf = b''
    found = None
    try:
        fd = p.stdout.fileno()
        while time.monotonic() - t0 < timeout:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
            if needle.encode() in buf:
                found = (time.monotonic() - t0) * 1000
                break
            buf = buf[-4096:]
    finally:
        stop(p, signal.SIGKILL)
        stop(trickle, signal.SIGKILL)
    return found


def measure_attach_latency(s: Settings, ws: dict[str, Workload], tmp: Path) -> dict:
    """{'start': {tracer: [ms]}, 'session': attach-in-session.mjs figures, 'node': [ms of `node -e 0`]}."""
    w = ws['open']
    bt = 'tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\\n", pid, comm, str(args->filename)); }'
    cmds = {
        'ebpfsh trace open': [EBPFSH, 'trace', 'open'],
        # Line-buffered so a pipe shows the line when printed, as on a terminal.
        'libbpf-tools opensnoop': ['stdbuf', '-oL', 'opensnoop'],
        'bpftrace one-liner': ['bpftrace', '-B', 'line', '-e', bt],
    }
    res: dict[str, list[float | None]] = {k: [] for k in cmds}
    node_ms: list[float] = []
    for rep in range(s.latency_reps):
        t0 = time.monotonic()
        subprocess.run(['node', '-e', '0'], timeout=30)
        node_ms.append((time.monotonic() - t0) * 1000)
        for name, cmd in cmds.items():
            ms = first_event_latency(cmd, w.needle, w)
            res[name].append(ms)
            log(f'latency rep {rep + 1}/{s.latency_reps} {name}: {ms if ms is None else round(ms, 1)} ms')
            time.sleep(0.2)
    session = None
    try:
        out = subprocess.run(['timeout', '90', 'node', str(ROOT / 'bench' / 'attach-in-session.mjs'), STORM,
                              w.needle, str(s.latency_reps)], capture_output=True, text=True, timeout=100)
        session = json.loads(out.stdout.strip().splitlines()[-1])
        log(f'in-session attach: {session}')
    except Exception as e:  # noqa: BLE001 - reported in the table
        log(f'in-session attach failed: {e}')
    return {'start': res, 'session': session, 'node': node_ms}
