"""The workloads, the tracers run against them, and one traced run: start a
tracer, wait until attached, run the workload, count what the tracer saw."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .common import EBPFSH, log
from .processes import cpu_seconds, run_workload, spawn, stop, wait_quiet, wait_ready

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
    counts = rf'{real}: (\d+) events[ ,]'
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
        if w.name == 'open':
            # the cost a responder pays for `record` with the default profile on top of opens
            out.append(Tool('ebpfsh record open,forensic', [EBPFSH, 'record', '-w', str(tmp / 'recf-{rep}.db'), 'open,forensic',
                                                            '--duration', '600'],
                            ours, marker='Ctrl-C to stop', to_null=True, counts_re=counts, db_query=db_query,
                            note='opensnoop plus every probe of the forensic profile (target: <= 5% over ebpfsh record)'))
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




def interleaved_runs(tools: list[Tool], w: Workload, reps: int, secs: float, tmp: Path, label: str) -> dict[str, list[Run]]:
    """`reps` repetitions of untraced + every tool, interleaved inside each
    repetition so noise from other work on the machine spreads over all."""
    runs: dict[str, list[Run]] = {'untraced': [], **{t.name: [] for t in tools}}
    for rep in range(reps):
        for t in [None, *tools]:
            name = t.name if t else 'untraced'
            try:
                r = run_traced(t, w, secs, tmp, rep)
            except RuntimeError as e:
                r = Run(0, 0, ok=False, error=str(e))
            runs[name].append(r)
            ev = '' if r.events is None else f', {r.events} events'
            log(f'{label} rep {rep + 1}/{reps} {name}: {r.ops_per_s:,.0f} ops/s{ev}'
                + (f' ERROR {r.error}' if not r.ok else ''))
    return runs
