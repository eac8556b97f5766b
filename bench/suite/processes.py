"""Starting, watching and stopping tracers and workloads: every process the
suite starts is in LIVE and is killed (by process group) on any exit."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .common import CLK_TCK, STORM

LIVE: set[subprocess.Popen] = set()


def kill_all(*_: object) -> None:
    """Ends every tracer and workload this driver started (by process group)."""
    for p in list(LIVE):
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    LIVE.clear()


def on_signal(sig: int, _frame: object) -> None:
    kill_all()
    sys.exit(128 + sig)


def spawn(cmd: list[str], **kw) -> subprocess.Popen:
    p = subprocess.Popen(cmd, start_new_session=True, **kw)
    LIVE.add(p)
    return p


def stop(p: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30) -> float | None:
    """Asks a tracer to stop like a user would (Ctrl-C), kills it if it hangs,
    and returns its total user+sys CPU (from wait4), or None."""
    cpu = None
    try:
        if p.returncode is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + timeout
            while True:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    p.returncode = os.waitstatus_to_exitcode(status)
                    cpu = ru.ru_utime + ru.ru_stime
                    break
                if time.monotonic() > deadline:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait(5)
                    break
                time.sleep(0.02)
        # Anything the tracer left in its group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    finally:
        LIVE.discard(p)
    return cpu


def cpu_seconds(pid: int) -> float | None:
    """user+sys of a process (all threads) so far, from /proc/PID/stat."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def bpf_attach_fds(pid: int) -> int:
    """How many BPF links / perf events the process holds (its attachments)."""
    n = 0
    try:
        for fd in os.listdir(f'/proc/{pid}/fd'):
            try:
                t = os.readlink(f'/proc/{pid}/fd/{fd}')
            except OSError:
                continue
            if 'bpf_link' in t or 'perf_event' in t:
                n += 1
    except OSError:
        pass
    return n


def wait_ready(p: subprocess.Popen, files: list[Path], marker: str | None, timeout: float = 45) -> bool:
    """Waits until the tracer is attached: its marker line (when it prints one),
    then its set of BPF link / perf-event fds unchanged for 0.4 s."""
    deadline = time.monotonic() + timeout
    while marker and time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        if any(marker in f.read_text(errors='replace') for f in files if f.exists()):
            break
        time.sleep(0.02)
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        n = bpf_attach_fds(p.pid)
        if n != last:
            last, since = n, time.monotonic()
        elif n > 0 and time.monotonic() - since >= 0.4:
            return True
        time.sleep(0.02)
    return False


def wait_quiet(path: Path, window: float = 0.3, slack: int = 16384, timeout: float = 10) -> None:
    """Waits until a tracer's output file stops growing fast (it caught up).
    Other work on the machine keeps adding a trickle of lines, so "quiet" is
    less than `slack` bytes per `window`, not zero."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else 0
        if last >= 0 and size - last < slack:
            return
        last = size
        time.sleep(window)


def run_workload(args: list[str], timeout: float) -> dict:
    p = spawn([STORM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p, signal.SIGKILL)
        raise RuntimeError(f'workload {args} timed out')
    LIVE.discard(p)
    if p.returncode != 0:
        raise RuntimeError(f'workload {args} failed: {err.strip()}')
    return json.loads(out.strip().splitlines()[-1])


