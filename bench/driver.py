#!/usr/bin/env python3
"""ebpfsh benchmarks beside the peers (issue 7).

Run through `bench/run` (which builds, installs peers and compiles the
workloads first). Each figure is one function; each value is the median of
several runs, with the tools interleaved inside each repetition so that noise
from other work on the machine spreads over all of them. Writes
docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EBPFSH = str(ROOT / 'bin' / 'ebpfsh')
STORM = str(ROOT / 'bench' / 'workloads' / 'build' / 'storm')
CLK_TCK = os.sysconf('SC_CLK_TCK')
T0 = time.monotonic()

# ---------------------------------------------------------------- settings


@dataclass
class Settings:
    quick: bool
    reps: int  # repetitions of every figure (median taken)
    secs: float  # workload duration for throughput runs
    exec_secs: float  # exec storm is slow per op; same duration
    filter_reps: int  # figure 3 needs more runs: the differences are small
    filter_secs: float
    latency_reps: int
    budget_s: float  # stop starting new figures after this

    @staticmethod
    def make(quick: bool) -> 'Settings':
        if quick:
            return Settings(True, 3, 1.0, 1.0, 3, 1.0, 3, 200)
        return Settings(False, 3, 3.0, 3.0, 7, 2.0, 5, 840)


def log(msg: str) -> None:
    print(f'bench [{time.monotonic() - T0:6.1f}s] {msg}', file=sys.stderr, flush=True)


def median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- processes

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


# ---------------------------------------------------------------- workloads and tools


@dataclass
class Workload:
    name: str  # open / exec / connect
    args: list[str]  # storm arguments before -t
    needle: str  # what identifies the workload in a tool's output


@dataclass
class Tool:
    """A tracer invocation: how to start it, how to know it is ready, how to
    count the workload's events in its output and how it reports loss."""
    name: str
    cmd: list[str]
    match: str  # regex: one line per workload event
    marker: str | None = None  # printed once attached (stderr or stdout)
    to_null: bool = False  # stdout to /dev/null (count from its own summary)
    loss_re: str = r'(?i)\blost\b|\blosses?: (?!none)|\b[1-9]\d* dropped'  # a loss report
    counts_re: str | None = None  # regex with a group: events it says it delivered
    db_query: tuple[str, str] | None = None  # (SQL counting the workload's rows in a capture, parameter)
    note: str = ''


@dataclass
class Run:
    ops: int
    ops_per_s: float
    us_per_op: float | None = None  # the workload's own CPU (user+sys) per operation
    events: int | None = None
    cpu_s: float | None = None
    loss_lines: list[str] = field(default_factory=list)
    reported: str = ''
    recorded: int | None = None  # ebpfsh record: events it says it wrote
    capture_bytes: int | None = None
    ok: bool = True
    error: str = ''


def us_per_op(r: dict) -> float | None:
    return r['cpu_s'] / r['ops'] * 1e6 if r.get('ops') else None


def workloads(tmp: Path) -> dict[str, Workload]:
    target = tmp / 'ebb-open-target'
    target.write_text('x')
    prog = tmp / 'ebbtrue'
    shutil.copy('/bin/true', prog)
    port = free_port()
    return {
        'open': Workload('open', ['open', str(target)], str(target)),
        'exec': Workload('exec', ['exec', str(prog)], str(prog)),
        'connect': Workload('connect', ['connect', str(port)], str(port)),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def tools_for(w: Workload, have_record: bool, tmp: Path) -> list[Tool]:
    """Every tracer of figure 1 for one workload; None means untraced."""
    n = re.escape(w.needle)
    if w.name == 'open':
        probe, peer = 'open', Tool('libbpf-tools opensnoop', ['opensnoop'], n)
        bt = Tool('bpftrace one-liner', ['bpftrace', '-e',
                  'tracepoint:syscalls:sys_enter_openat { printf("%d %s %s\\n", pid, comm, str(args->filename)); }'],
                  n, note='sys_enter_openat, prints pid comm path')
        ours = n
    elif w.name == 'exec':
        probe, peer = 'execsnoop', Tool('libbpf-tools execsnoop', ['execsnoop'], rf'^ebbtrue\s.*{n}')
        bt = Tool('bpftrace one-liner', ['bpftrace', '-e',
                  'tracepoint:syscalls:sys_enter_execve { printf("%d %s %s\\n", pid, comm, str(args->filename)); }'],
                  rf'\s{n}$', note='sys_enter_execve, prints pid comm filename')
        ours = rf'\sebbtrue\s.*{n}'
    else:
        probe = 'tcpconnect'
        peer = Tool('libbpf-tools tcpstates', ['tcpstates'], rf'\s{n}\s+CLOSE\s+-> SYN_SENT',
                    note='prints every state change (7 lines per connection); one counted')
        bt = Tool('bpftrace one-liner', ['bpftrace', '-e',
                  'tracepoint:sock:inet_sock_set_state /args->newstate == 2/ '
                  '{ printf("%d %s %d\\n", pid, comm, args->dport); }'],
                  rf'\s{n}$', note='inet_sock_set_state to SYN_SENT, prints pid comm dport')
        ours = rf'127\.0\.0\.1:{n}\b'
    real = {'open': 'opensnoop', 'execsnoop': 'execsnoop', 'tcpconnect': 'tcpconnect'}[probe]
    counts = rf'{real}: (\d+) events, '
    db_query = {'open': ('select count(*) from "open" where path = ?', w.needle),
                'exec': ('select count(*) from "exec" where filename = ?', w.needle),
                'connect': ('select count(*) from "connect" where dport = ?', w.needle)}[w.name]
    out = [
        Tool('ebpfsh trace > file', [EBPFSH, 'trace', probe], ours, marker='Ctrl-C to stop', counts_re=counts),
        Tool('ebpfsh trace > /dev/null', [EBPFSH, 'trace', probe], ours, marker='Ctrl-C to stop', to_null=True,
             counts_re=counts, note='events counted from its own summary line (all processes)'),
    ]
    if have_record:
        out.append(Tool('ebpfsh record', [EBPFSH, 'record', '-w', str(tmp / 'rec-{rep}.db'), probe, '--duration', '600'],
                        ours, marker='Ctrl-C to stop', to_null=True, counts_re=counts, db_query=db_query,
                        note='events counted in the capture (rows naming the workload\'s file/program/port)'))
    out += [peer, bt]
    return out


def run_traced(tool: Tool | None, w: Workload, secs: float, tmp: Path, rep: int) -> Run:
    """One measurement: start the tracer, wait until attached, run the
    workload for `secs`, let the tracer catch up, stop it, count."""
    if tool is None:
        r = run_workload([*w.args, '-t', str(secs)], secs + 30)
        return Run(r['ops'], r['ops_per_s'], us_per_op(r))
    out_path, err_path = tmp / f'out-{rep}.txt', tmp / f'err-{rep}.txt'
    cmd = [c.replace('{rep}', str(rep)) for c in tool.cmd]
    for f in (out_path, err_path):
        f.unlink(missing_ok=True)
    for db in tmp.glob(f'rec-{rep}.db*'):
        db.unlink()
    with open(os.devnull if tool.to_null else out_path, 'wb') as out, open(err_path, 'wb') as err:
        p = spawn(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    try:
        if not wait_ready(p, [err_path, out_path], tool.marker):
            return Run(0, 0, ok=False, error=f'not ready: {err_path.read_text(errors="replace")[-300:]}')
        time.sleep(0.2)
        cpu0 = cpu_seconds(p.pid)
        r = run_workload([*w.args, '-t', str(secs)], secs + 30)
        wait_quiet(out_path if not tool.to_null else err_path)
        if tool.to_null:
            time.sleep(0.3)  # its reader drains on a 10 ms timer
    finally:
        cpu1 = stop(p)
    stdout = '' if tool.to_null else out_path.read_text(errors='replace')
    stderr = err_path.read_text(errors='replace')
    run = Run(r['ops'], r['ops_per_s'], us_per_op(r))
    if cpu0 is not None and cpu1 is not None:
        run.cpu_s = cpu1 - cpu0
    if tool.db_query:
        db = Path(cmd[cmd.index('-w') + 1])
        run.events = count_capture_rows(db, *tool.db_query)
        m = re.search(r'recorded (\d+) events .*?(\d+) bytes', stderr)
        if m:
            run.recorded, run.capture_bytes = int(m.group(1)), int(m.group(2))
        else:
            log(f'{tool.name}: no "recorded" line (exit {p.returncode}): {stderr[-400:]!r}')
    elif tool.to_null:
        m = re.search(tool.counts_re or '$^', stderr)
        run.events = int(m.group(1)) if m else None
        if tool.counts_re and not m:
            log(f'{tool.name}: no summary line (exit {p.returncode}): {stderr[-400:]!r}')
    else:
        rx = re.compile(tool.match)
        run.events = sum(1 for line in stdout.splitlines() if rx.search(line))
    loss_rx = re.compile(tool.loss_re)
    run.loss_lines = [l.strip() for l in (stderr + '\n' + stdout[-4000:]).splitlines()
                      if loss_rx.search(l) and 'RLIMIT_MEMLOCK' not in l]
    summary = [l.strip() for l in stderr.splitlines() if 'losses:' in l]
    if run.loss_lines:
        run.reported = 'said: ' + run.loss_lines[0]
    elif summary:
        run.reported = 'summary: losses: ' + summary[0].split('losses: ', 1)[1]
    return run


# ---------------------------------------------------------------- figures

RESULTS: dict = {}


def figure1_2_4(s: Settings, ws: dict[str, Workload], have_record: bool, tmp: Path) -> None:
    """Workload slowdown, completeness and tracer CPU: one set of runs."""
    for w in ws.values():
        tools = tools_for(w, have_record, tmp)
        runs: dict[str, list[Run]] = {'untraced': []}
        for t in tools:
            runs[t.name] = []
        for rep in range(s.reps):
            for t in [None, *tools]:
                name = t.name if t else 'untraced'
                try:
                    r = run_traced(t, w, s.secs if w.name != 'exec' else s.exec_secs, tmp, rep)
                except RuntimeError as e:
                    r = Run(0, 0, ok=False, error=str(e))
                runs[name].append(r)
                ev = '' if r.events is None else f', {r.events} events'
                log(f'{w.name} rep {rep + 1}/{s.reps} {name}: {r.ops_per_s:,.0f} ops/s{ev}'
                    + (f' ERROR {r.error}' if not r.ok else ''))
        RESULTS.setdefault('fig1', {})[w.name] = {'tools': tools, 'runs': runs}


def figure3(s: Settings, ws: dict[str, Workload], tmp: Path) -> None:
    """Filtered-out cost: in-kernel filters that reject every event, beside an
    empty program on the same two tracepoints ebpfsh's openat hook uses."""
    w = ws['open']
    empty = Tool('empty tracepoint programs (bpftrace)', ['bpftrace', '-e',
                 'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_exit_openat { }'], '$^')
    tools = [
        empty,
        Tool('ebpfsh trace uid=12345', [EBPFSH, 'trace', 'open', 'uid=12345'], '$^', marker='Ctrl-C to stop',
             to_null=True, counts_re=r'opensnoop: (\d+) events, '),
        Tool('libbpf-tools opensnoop -u 12345', ['opensnoop', '-u', '12345'], '$^'),
        Tool('bpftrace /uid == 12345/', ['bpftrace', '-e',
             'tracepoint:syscalls:sys_enter_openat /uid == 12345/ { printf("%d %s %s\\n", pid, comm, str(args->filename)); }'],
             '$^'),
    ]
    runs: dict[str, list[Run]] = {'untraced': [], **{t.name: [] for t in tools}}
    for rep in range(s.filter_reps):
        for t in [None, *tools]:
            name = t.name if t else 'untraced'
            try:
                r = run_traced(t, w, s.filter_secs, tmp, rep)
            except RuntimeError as e:
                r = Run(0, 0, ok=False, error=str(e))
            runs[name].append(r)
            log(f'filtered rep {rep + 1}/{s.filter_reps} {name}: {r.ops_per_s:,.0f} ops/s'
                + (f' ERROR {r.error}' if not r.ok else ''))
    RESULTS['fig3'] = {'tools': tools, 'runs': runs}


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


def figure5(s: Settings, ws: dict[str, Workload], tmp: Path) -> None:
    """Attach latency: command start to first event, and in-session attach."""
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
    RESULTS['fig5'] = {'start': res, 'session': session, 'node': node_ms}


def figure6(s: Settings, ws: dict[str, Workload], have_record: bool, tmp: Path) -> None:
    """Capture: taken from figure 1's `ebpfsh record` runs (same runs, no extra time)."""
    if not have_record:
        RESULTS['fig6'] = None
        return
    d = RESULTS.get('fig1', {})
    RESULTS['fig6'] = {w: d[w]['runs'].get('ebpfsh record', []) for w in d}


def count_capture_rows(db: Path, sql: str, param: str) -> int | None:
    """Rows of a capture that belong to the workload (read-only)."""
    if not db.exists():
        return None
    try:
        import sqlite3
        con = sqlite3.connect(f'file:{db}?mode=ro', uri=True)
        try:
            return con.execute(sql, (int(param) if param.isdigit() else param,)).fetchone()[0]
        finally:
            con.close()
    except Exception as e:  # noqa: BLE001 - reported as n/a
        log(f'cannot read capture {db}: {e}')
        return None


# ---------------------------------------------------------------- report

def fmt(x: float | None, digits: int = 0) -> str:
    if x is None:
        return 'n/a'
    return f'{x:,.{digits}f}'


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return 'n/a'
    return f'{a / b:.2f}x'


def med_ops(runs: list[Run]) -> float | None:
    return median([r.ops_per_s for r in runs if r.ok]) if any(r.ok for r in runs) else None


def med_us(runs: list[Run]) -> float | None:
    return median([r.us_per_op for r in runs if r.ok and r.us_per_op is not None])


def paired_excess(runs: list[Run], base: list[Run], key: str) -> float | None:
    """Median over repetitions of (tool / baseline - 1) in %, pairing the runs
    of the same repetition so slow drifts in machine load cancel out."""
    vals = []
    for r, b in zip(runs, base):
        if not (r.ok and b.ok):
            continue
        if key == 'cpu' and r.us_per_op and b.us_per_op:
            vals.append((r.us_per_op / b.us_per_op - 1) * 100)
        elif key == 'wall' and r.ops_per_s:
            vals.append((b.ops_per_s / r.ops_per_s - 1) * 100)
    return median(vals)


def loss_pct(runs: list[Run]) -> float | None:
    vals = [max(0.0, (r.ops - r.events) / r.ops * 100) for r in runs if r.ok and r.events is not None and r.ops]
    return median(vals)


def cpu_per_m(runs: list[Run]) -> float | None:
    vals = [r.cpu_s / r.events * 1e6 for r in runs if r.ok and r.cpu_s is not None and r.events]
    return median(vals)


def environment() -> dict[str, str]:
    cpu = 'unknown'
    for line in Path('/proc/cpuinfo').read_text().splitlines():
        if line.startswith('model name'):
            cpu = line.split(':', 1)[1].strip()
            break

    def ver(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return 'unknown'

    def dpkg(pkg: str) -> str:
        return ver(['dpkg-query', '-W', '-f=${Version}', pkg])

    return {
        'date': dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'kernel': platform.release(),
        'cpu': f'{cpu} ({os.cpu_count()} CPUs)',
        'node': ver(['node', '--version']),
        'bpftrace': dpkg('bpftrace'),
        'libbpf-tools': dpkg('libbpf-tools'),
        'commit': ver(['git', '-C', str(ROOT), 'rev-parse', '--short', 'HEAD']),
        'load': Path('/proc/loadavg').read_text().split()[0],
    }


def report(s: Settings, env: dict[str, str], have_record: bool, elapsed: float, skipped: list[str]) -> str:
    L: list[str] = []
    add = L.append
    add('# Benchmarks: ebpfsh beside the peers')
    add('')
    add('Generated by `npm run bench` (`bench/run`); do not edit by hand: rerun it. '
        'These figures come from one run on a shared machine and may be rerun by the lead.')
    add('')
    add('| | |\n|---|---|')
    add(f"| date | {env['date']} |")
    add(f"| kernel | {env['kernel']} |")
    add(f"| CPU | {env['cpu']} |")
    add(f"| node | {env['node']} |")
    add(f"| peers | libbpf-tools {env['libbpf-tools']}, bpftrace {env['bpftrace']} |")
    add(f"| ebpfsh commit | {env['commit']} |")
    add(f"| mode | {'--quick' if s.quick else 'full'}: {s.reps} runs per figure ({s.filter_reps} for figure 3, "
        f"{s.latency_reps} for figure 5), {s.secs:g} s per throughput run; median shown |")
    add(f"| load average at start | {env['load']} (other work on the machine adds noise) |")
    add(f'| total run time | {elapsed:.0f} s |')
    add('')
    add('Workloads are `bench/workloads/storm.c`, single-threaded: **open** (open+close of one existing file), '
        '**exec** (fork + execve of a copy of /bin/true named `ebbtrue`, then wait), **connect** (TCP connect to '
        'its own 127.0.0.1 listener, accept, close both). Tracers write to a file on disk unless noted; each '
        'tracer is started, waited for until attached, then the workload runs, then the tracer is given time to '
        'catch up and is stopped with SIGINT.')
    add('')
    if skipped:
        add('**Skipped in this run (time budget):** ' + ', '.join(skipped))
        add('')

    targets: list[tuple[str, str, str]] = []
    fig1 = RESULTS.get('fig1', {})
    # 1
    add('## 1. Workload slowdown')
    add('')
    add('ops/s of the workload while traced (median); slowdown = untraced / traced; '
        '"vs ebpfsh" = that tool\'s slowdown / `ebpfsh trace > file`\'s (above 1 means ebpfsh costs the workload less). '
        'Workload CPU µs/op is the workload\'s own user+sys time per operation: the BPF programs and ring-buffer '
        'wakeups run in its context, and it does not count time spent waiting for a CPU while other work runs, '
        'so the CPU slowdown is the steadier figure on a shared machine.')
    add('')
    for wname, d in fig1.items():
        runs = d['runs']
        base = med_ops(runs['untraced'])
        ours = med_ops(runs.get('ebpfsh trace > file', []))
        ours_slow = base / ours if base and ours else None
        add(f'### {wname} storm')
        add('')
        cbase = med_us(runs['untraced'])
        cours = med_us(runs.get('ebpfsh trace > file', []))
        add('| tracer | ops/s | slowdown | vs ebpfsh | workload CPU µs/op | CPU slowdown | vs ebpfsh (CPU) |')
        add('|---|---:|---:|---:|---:|---:|---:|')
        add(f'| none | {fmt(base)} | 1.00x | | {fmt(cbase, 2)} | 1.00x | |')
        for t in d['tools']:
            v = med_ops(runs[t.name])
            slow = base / v if base and v else None
            c = med_us(runs[t.name])
            cslow = c / cbase if c and cbase else None
            mine = t.name.startswith('ebpfsh trace > file')
            vs = ratio(slow, ours_slow) if not mine else ''
            cvs = ratio(c, cours) if not mine else ''
            bad = [r for r in runs[t.name] if not r.ok]
            failed = f' ({len(bad)} of {len(runs[t.name])} runs failed: {bad[-1].error[-160:]})' if bad else ''
            failed = failed.replace('|', '/').replace('\n', ' ')
            add(f'| {t.name}{failed} | {fmt(v)} | {fmt(slow, 2)}x | {vs} | {fmt(c, 2)} | {fmt(cslow, 2)}x | {cvs} |')
        if not have_record:
            add('| ebpfsh record | not available yet | | |')
        if wname == 'connect':
            add('| libbpf-tools tcpconnect | cannot run: it attaches kprobes (tcp_v4_connect), which this kernel lacks '
                '(`failed to create kprobe ... No such file or directory`) | | |')
        add('')
        notes = [f'{t.name}: {t.note}' for t in d['tools'] if t.note]
        if notes:
            add('Notes: ' + '; '.join(notes) + '.')
            add('')
        if wname == 'open':
            rec = med_ops(runs.get('ebpfsh record', []))
            if have_record and base and rec:
                slow = base / rec
                crec = med_us(runs['ebpfsh record'])
                cslow = crec / cbase if crec and cbase else None
                lp = loss_pct(runs['ebpfsh record'])
                targets.append(('`ebpfsh record` open-storm slowdown ≤ 1.6x, 0 loss',
                                f'{slow:.2f}x by ops/s, {fmt(cslow, 2)}x by workload CPU per op; loss {fmt(lp, 3)}%',
                                ('met' if slow <= 1.6 else 'missed') + ' by ops/s, '
                                + ('met' if cslow and cslow <= 1.6 else 'missed') + ' by CPU; '
                                + ('0 loss' if lp == 0 else 'LOSS')))
            else:
                targets.append(('`ebpfsh record` open-storm slowdown ≤ 1.6x, 0 loss', 'record not available yet; '
                                f'`ebpfsh trace > file`: {fmt(ours_slow, 2)}x', 'not measurable yet'))
            add(f'Reference (MACHINE-FACTS, same kind of workload): untraced ~397k/s; opensnoop to a file ~69k/s (5.8x); '
                f'bpftrace ~81k/s (4.9x); minimal C libbpf tracer 148k/s (2.7x) per-event wakeups, 290k/s (1.4x) batched.')
            add('')

    # 2
    add('## 2. Completeness')
    add('')
    add('Events of the workload found in the tool\'s output (lines naming the unique file / program / port) vs '
        'operations the workload counted; loss % is the median over runs. "reported" is what the tool itself said '
        'about loss (ebpfsh prints a per-probe summary with loss counters on stderr; libbpf-tools print '
        '"lost N events" only for perf-buffer loss; bpftrace prints "Lost N events").')
    add('')
    add('| workload | tracer | ops (last run) | events (last run) | loss % (median, worst) | reported by the tool |')
    add('|---|---|---:|---:|---:|---|')
    for wname, d in fig1.items():
        for t in d['tools']:
            rs = [r for r in d['runs'][t.name] if r.ok]
            if not rs:
                add(f'| {wname} | {t.name} | failed | | | {d["runs"][t.name][-1].error[:80]} |')
                continue
            last = rs[-1]
            lp = loss_pct(rs)
            worst = max([max(0.0, (r.ops - r.events) / r.ops * 100) for r in rs if r.events is not None and r.ops],
                        default=None)
            said = '; '.join(sorted({r.reported for r in rs if r.reported})) or 'nothing'
            silent = ' **(silent loss)**' if worst and said == 'nothing' else ''
            add(f'| {wname} | {t.name} | {fmt(last.ops)} | {fmt(last.events)} | {fmt(lp, 3)}, {fmt(worst, 3)} | '
                f'{said[:120]}{silent} |')
    add('')

    # 3
    add('## 3. Filtered-out cost')
    add('')
    f3 = RESULTS.get('fig3')
    if f3:
        runs = f3['runs']
        base = med_ops(runs['untraced'])
        cbase = med_us(runs['untraced'])
        empty_name = f3['tools'][0].name
        add('Open storm while a filter rejects every event in the kernel (no event reaches userspace). Baseline: '
            'bpftrace attaching empty programs to `tracepoint:syscalls:sys_enter_openat` and `sys_exit_openat` '
            '(the two hooks the open storm hits; ebpfsh attaches the same two, plus openat2/open/creat which this '
            'workload never calls). "beyond empty" is the median over repetitions of (tool / empty - 1), pairing '
            'runs of the same repetition: by wall time (ops/s) and by the workload\'s own CPU per op (steadier on '
            'a shared machine; the BPF programs run in the workload\'s context).')
        add('')
        add('| tracer | ops/s | slowdown vs none | beyond empty (wall) | workload CPU µs/op | beyond empty (CPU) |')
        add('|---|---:|---:|---:|---:|---:|')
        add(f'| none | {fmt(base)} | 1.00x | | {fmt(cbase, 3)} | |')
        ours_beyond = None
        for t in f3['tools']:
            v = med_ops(runs[t.name])
            first = t is f3['tools'][0]
            wall = paired_excess(runs[t.name], runs[empty_name], 'wall')
            cpu = paired_excess(runs[t.name], runs[empty_name], 'cpu')
            if t.name.startswith('ebpfsh'):
                ours_beyond = (wall, cpu)
            add(f'| {t.name} | {fmt(v)} | {ratio(base, v)} | {"" if first else fmt(wall, 1) + "%"} | '
                f'{fmt(med_us(runs[t.name]), 3)} | {"" if first else fmt(cpu, 1) + "%"} |')
        add('')
        spread = [r.ops_per_s for r in runs[empty_name] if r.ok]
        cspread = [r.us_per_op for r in runs[empty_name] if r.ok and r.us_per_op]
        if spread and cspread:
            add(f'Run-to-run spread of the baseline: {(max(spread) / min(spread) - 1) * 100:.0f}% in ops/s, '
                f'{(max(cspread) / min(cspread) - 1) * 100:.0f}% in CPU per op; differences smaller than that are noise.')
            add('')
        if ours_beyond:
            w, c = ours_beyond
            targets.append(('in-kernel filter rejecting everything: < 5% beyond an empty tracepoint program',
                            f'{fmt(c, 1)}% by workload CPU, {fmt(w, 1)}% by wall time',
                            'met' if c is not None and c < 5 else 'missed'))
    else:
        add('Not run (time budget).')
        add('')

    # 4
    add('## 4. Tracer CPU per million events')
    add('')
    add('user+sys CPU of the tracer process (all threads) from just before the workload until the tracer exited '
        '(so catching up, and for `record` finalizing the capture, are included; start-up is not), divided by the '
        'workload events it delivered. Idle cost is small (ebpfsh: ~8 ms of CPU per second idle, its 10 ms drain '
        'timer), but shows at low event rates (exec). The in-kernel cost of the BPF programs is '
        'charged to the workload and shows in figure 1 instead. "vs ebpfsh" = tool / `ebpfsh trace > file`.')
    add('')
    add('| workload | tracer | CPU s per M events | vs ebpfsh |')
    add('|---|---|---:|---:|')
    for wname, d in fig1.items():
        ours = cpu_per_m(d['runs'].get('ebpfsh trace > file', []))
        for t in d['tools']:
            v = cpu_per_m(d['runs'][t.name])
            add(f'| {wname} | {t.name} | {fmt(v, 2)} | {ratio(v, ours) if t.name != "ebpfsh trace > file" else ""} |')
    add('')

    # 5
    add('## 5. Attach latency')
    add('')
    f5 = RESULTS.get('fig5')
    if f5:
        add('Command start to the first line naming a file that a workload opens every millisecond from the same '
            'moment (stdout to a pipe; libbpf-tools under `stdbuf -oL` and bpftrace with `-B line` so lines are not '
            'held in a buffer). Includes process start-up, BPF load/compile and attach.')
        add('')
        add('| tracer | start → first event (ms) | vs ebpfsh |')
        add('|---|---:|---:|')
        ours = median(f5['start'].get('ebpfsh trace open', []))
        for name, vals in f5['start'].items():
            v = median(vals)
            miss = sum(1 for x in vals if x is None)
            add(f'| {name} | {fmt(v)}{f" ({miss} runs saw no event)" if miss else ""} | '
                f'{ratio(v, ours) if name != "ebpfsh trace open" else ""} |')
        add(f"Reference: `node -e 0` alone (Node start-up and exit on this machine right now) takes "
            f"{fmt(median(f5['node']))} ms; ebpfsh pays that before it can load anything.")
        add('')
        sess = f5.get('session')
        sess_first = median(sess['first_event_ms']) if sess else None
        if sess:
            add(f"Inside a running session (`bench/attach-in-session.mjs`: an Engine already open with execsnoop "
                f"attached, then `attach(opensnoop)`, the future shell's `:attach`): attach call "
                f"{fmt(median(sess['attach_ms']), 1)} ms, attach call → first event {fmt(sess_first, 1)} ms (median).")
            add('')
        targets.append(('attach latency ≤ 50 ms', f'in-session attach → first event {fmt(sess_first, 1)} ms; '
                        f'command start → first event {fmt(ours)} ms',
                        ('met' if sess_first is not None and sess_first <= 50 else 'missed') + ' in session; '
                        + ('met' if ours is not None and ours <= 50 else 'missed') + ' from command start'))
    else:
        add('Not run (time budget).')
        add('')

    # 6
    add('## 6. Capture to SQLite')
    add('')
    f6 = RESULTS.get('fig6')
    if f6:
        add('From figure 1\'s `ebpfsh record -w FILE PROBE` runs: the workload\'s rate while every event is decoded '
            'and committed to SQLite, whether any was lost (rows naming the workload in the capture vs operations, and '
            'what ebpfsh said), and the capture size per event (file size / events it says it recorded, all tables, '
            'indexes included).')
        add('')
        add('| workload | ops/s recorded (median) | loss % (median, worst) | ebpfsh said | bytes/event on disk |')
        add('|---|---:|---:|---|---:|')
        for wname, rs in f6.items():
            ok = [r for r in rs if r.ok]
            if not ok:
                add(f'| {wname} | failed: {rs[-1].error[:80] if rs else "not run"} | | | |')
                continue
            lp = [max(0.0, (r.ops - r.events) / r.ops * 100) for r in ok if r.events is not None and r.ops]
            bpe = median([r.capture_bytes / r.recorded for r in ok if r.capture_bytes and r.recorded])
            said = '; '.join(sorted({r.reported for r in ok if r.reported})) or 'nothing'
            nbad = len(rs) - len(ok)
            add(f'| {wname}{f" ({nbad} of {len(rs)} runs failed, see figure 1)" if nbad else ""} | {fmt(med_ops(ok))} | {fmt(median(lp), 3)}, {fmt(max(lp) if lp else None, 3)} | '
                f'{said[:100]} | {fmt(bpe, 0)} |')
        add('')
    else:
        add('| figure | value |\n|---|---|')
        add('| sustained events/s recorded with 0 loss | not available yet (`ebpfsh record` does not exist in this build) |')
        add('| bytes per event on disk | not available yet |')
        add('')
        add('The lead will rerun `npm run bench` once `ebpfsh record` lands; this section fills itself then.')
        add('')

    # 7
    add('## 7. Replay and query figures on a generated 10M-event capture')
    add('')
    add('From `node bench/replay-bench.mjs` in this run: a 10M-event capture (opens, execs, connects and a '
        'process table) written through the real `Recorder` (cached in `bench/.cache/`), then replay opened in '
        'fresh processes and the documented forensic queries run through `ebpfsh query`.')
    add('')
    add('```')
    add(replay_bench_output(s).rstrip())
    add('```')
    add('')

    add('## Targets (issue 7)')
    add('')
    add('| target | measured | verdict |')
    add('|---|---|---|')
    for t, m, v in targets:
        add(f'| {t} | {m} | {v} |')
    add('')
    notes = ROOT / 'bench' / 'notes.md'
    if notes.exists():
        add(notes.read_text().rstrip())
        add('')
    return '\n'.join(L) + '\n'


def replay_bench_output(s: Settings) -> str:
    """Runs bench/replay-bench.mjs (builds its 10M-event capture the first time) and returns what it printed."""
    if s.quick:
        return 'skipped in --quick (run node bench/replay-bench.mjs, or bench/run without --quick)'
    try:
        r = subprocess.run(['node', str(ROOT / 'bench' / 'replay-bench.mjs')], cwd=ROOT, capture_output=True, text=True, timeout=900)
        return r.stdout if r.returncode == 0 else f'replay bench failed (exit {r.returncode}):\n{r.stdout}{r.stderr[-2000:]}'
    except subprocess.TimeoutExpired:
        return 'replay bench: timed out after 900 s'


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--quick', action='store_true', help='~2-3 minutes, for development')
    ap.add_argument('--only', default='', help='comma list of figures to run (1,3,5,6), for development')
    ap.add_argument('--workloads', default='open,exec,connect', help='workloads of figure 1, for development')
    ap.add_argument('--out', default=str(ROOT / 'docs' / 'benchmarks.md'))
    a = ap.parse_args()
    s = Settings.make(a.quick)
    only = set(a.only.split(',')) if a.only else {'1', '3', '5', '6'}
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    help_out = subprocess.run([EBPFSH, 'record', '--help'], capture_output=True, text=True, timeout=30)
    have_record = help_out.returncode == 0 and 'Usage: ebpfsh record' in help_out.stdout
    log(f'mode {"quick" if s.quick else "full"}; ebpfsh record {"found" if have_record else "not available yet"}')
    env = environment()
    skipped: list[str] = []
    plan = [('1', 'figures 1, 2, 4', lambda tmp, ws: figure1_2_4(s, fig1_ws, have_record, tmp)),
            ('3', 'figure 3', lambda tmp, ws: figure3(s, ws, tmp)),
            ('5', 'figure 5', lambda tmp, ws: figure5(s, ws, tmp)),
            ('6', 'figure 6', lambda tmp, ws: figure6(s, ws, have_record, tmp))]
    try:
        with tempfile.TemporaryDirectory(prefix='ebpfsh-bench-', dir='/var/tmp') as d:
            tmp = Path(d)
            ws = workloads(tmp)
            fig1_ws = {k: v for k, v in ws.items() if k in a.workloads.split(',')}
            for key, label, fn in plan:
                if key not in only:
                    continue
                if time.monotonic() - T0 > s.budget_s:
                    skipped.append(label)
                    log(f'skipping {label}: over the time budget')
                    continue
                fn(tmp, ws)  # noqa: B023
    finally:
        kill_all()
    elapsed = time.monotonic() - T0
    text = report(s, env, have_record, elapsed, skipped)
    Path(a.out).write_text(text)
    log(f'wrote {a.out} in {elapsed:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
