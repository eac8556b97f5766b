"""Workload slowdown, completeness, tracer CPU and capture figures: one set of
runs of every tracer (ebpfsh trace/record and the peers) per workload."""
from __future__ import annotations

from pathlib import Path

from .common import Settings
from .tracers import Workload, interleaved_runs, tools_for


def measure_slowdown(s: Settings, ws: dict[str, Workload], have_record: bool, tmp: Path) -> dict:
    """{workload: {'tools': [...], 'runs': {tool name: [Run]}}}."""
    out = {}
    for w in ws.values():
        tools = tools_for(w, have_record, tmp)
        secs = s.secs if w.name != 'exec' else s.exec_secs
        out[w.name] = {'tools': tools, 'runs': interleaved_runs(tools, w, s.reps, secs, tmp, w.name)}
    return out
