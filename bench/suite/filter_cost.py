"""Filtered-out cost: in-kernel filters that reject every event, beside an
empty program on the same two tracepoints ebpfsh's openat hook uses."""
from __future__ import annotations

from pathlib import Path

from .common import EBPFSH, Settings
from .tracers import Tool, Workload, interleaved_runs


def measure_filter_cost(s: Settings, ws: dict[str, Workload], tmp: Path) -> dict:
    """{'tools': [empty baseline first, ...], 'runs': {tool name: [Run]}}."""
    empty = Tool('empty tracepoint programs (bpftrace)', ['bpftrace', '-e',
                 'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_exit_openat { }'], '$^')
    tools = [
        empty,
        Tool('ebpfsh trace uid=12345', [EBPFSH, 'trace', 'open', 'uid=12345'], '$^', marker='Ctrl-C to stop',
             to_null=True, counts_re=r'opensnoop: (\d+) events[ ,]'),
        Tool('libbpf-tools opensnoop -u 12345', ['opensnoop', '-u', '12345'], '$^'),
        Tool('bpftrace /uid == 12345/', ['bpftrace', '-e',
             'tracepoint:syscalls:sys_enter_openat /uid == 12345/ { printf("%d %s %s\\n", pid, comm, str(args->filename)); }'],
             '$^'),
    ]
    return {'tools': tools, 'runs': interleaved_runs(tools, ws['open'], s.filter_reps, s.filter_secs, tmp, 'filtered')}
