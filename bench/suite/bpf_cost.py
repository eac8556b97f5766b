"""Figure 11: BPF cost per program run in the kernel, for every probe (bench/bpf-cost.mjs, bpf_stats)."""
from __future__ import annotations

import json
import subprocess

from .common import ROOT, Settings, log

OPEN_TARGET_NS = 600


def measure_bpf_cost(s: Settings) -> dict:
    """Runs bench/bpf-cost.mjs and returns its JSON ({'error': ...} when it failed)."""
    reps, ops = (3, 20000) if s.quick else (5, 50000)
    cmd = ['node', str(ROOT / 'bench' / 'bpf-cost.mjs'), '--json', '--reps', str(reps), '--ops', str(ops)]
    log('bpf cost: every probe, bpf_stats on')
    try:
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return {'error': 'bench/bpf-cost.mjs timed out after 900 s'}
    if r.returncode != 0:
        return {'error': f'bench/bpf-cost.mjs failed (exit {r.returncode}): {r.stderr.strip()[-500:]}'}
    return json.loads(r.stdout.strip().splitlines()[-1])


def section_bpf_cost(f8: dict | None, targets: list[tuple[str, str, str]]) -> list[str]:
    """The page's section for figure 11, and opensnoop's target line."""
    L = ['## 11. BPF cost per program run', '']
    if not f8:
        return L + ['Not run (time budget).', '']
    if 'error' in f8:
        return L + [f8['error'], '']
    L.append(f"`bench/bpf-cost.mjs`: `kernel.bpf_stats_enabled=1`, each probe attached alone through the engine, a "
             f"workload that triggers it (`bench/workloads/storm.c`, `bench/workloads/syscalls.py`), then each "
             f"program's `run_time_ns / run_cnt` from the kernel (median of {f8['reps']}). The kernel times the "
             f"program alone, so other work on the machine changes these figures less than throughput, "
             f"though cache contention still shows. A program's runs include those it filters out early "
             f"(tcpconnect runs on every TCP state change, ~6 per connect).")
    L += ['', '| probe | program | runs | ns/run |', '|---|---|---:|---:|']
    for name, r in f8['probes'].items():
        if 'error' in r:
            L.append(f'| {name} | ({r["error"]}) | | |')
            continue
        for prog, v in sorted(r['programs'].items()):
            L.append(f'| {name} | {prog} | {v["runs"]:,.0f} | {v["ns"]:,.0f} |')
    L.append('')
    ref = (f8.get('reference') or {}).get('programs', {}).get('ref_enter_openat')
    both = f8.get('open_enter_exit_ns')
    line = (f"opensnoop per openat, every program it runs (`exit_openat`, plus `enter_openat` where a build has one): "
            f"**{both:,.0f} ns** (target ≤ {OPEN_TARGET_NS} ns)" if both else 'opensnoop per open: n/a')
    if ref:
        line += (f"; the limit we measure against, a single-hook tracer (`bench/workloads/single-hook.bpf.c`: "
                 f"sys_enter_openat, time, pid, uid, comm and the raw path, no result, no path walk, no filter): "
                 f"{ref['ns']:,.0f} ns.")
    L.append(line)
    L.append('')
    targets.append((f'BPF cost per open ≤ {OPEN_TARGET_NS} ns (all programs an open runs)',
                    f'{both:,.0f} ns' + (f' (single-hook reference {ref["ns"]:,.0f} ns)' if ref else '') if both else 'n/a',
                    'met' if both is not None and both <= OPEN_TARGET_NS else 'missed'))
    return L
