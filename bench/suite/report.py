"""Builds docs/benchmarks.md from what the measurements returned; measures nothing."""
from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

from .bpf_cost import section_bpf_cost
from .shell import section_shell
from .common import ROOT, Settings, median
from .startup import section_startup
from .queries import section_queries
from .tracers import Run
from .tracer_cpu import report_tracer_cpu

Targets = list[tuple[str, str, str]]


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


def section_slowdown(fig1: dict, have_record: bool, targets: Targets) -> list[str]:
    """Figure 1: workload slowdown per workload and tracer."""
    L: list[str] = []
    add = L.append
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
            frec = med_ops(runs.get('ebpfsh record open,forensic', []))
            if rec and frec:
                extra = 100 * (rec / frec - 1)
                targets.append(('the forensic profile costs ≤ 5% more than opensnoop alone on the open storm',
                                f'`record open,forensic` {frec:.0f} ops/s vs `record open` {rec:.0f} ops/s: {extra:+.1f}%',
                                'met' if extra <= 5 else 'missed'))
            add(f'Reference (MACHINE-FACTS, same kind of workload): untraced ~397k/s; opensnoop to a file ~69k/s (5.8x); '
                f'bpftrace ~81k/s (4.9x); minimal C libbpf tracer 148k/s (2.7x) per-event wakeups, 290k/s (1.4x) batched.')
            add('')
    return L


def section_completeness(fig1: dict) -> list[str]:
    """Figure 2: events found vs operations, and what each tool said about loss."""
    L: list[str] = []
    add = L.append
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
    return L


def section_filter_cost(f3: dict | None, targets: Targets) -> list[str]:
    """Figure 3: cost of a filter that rejects everything in the kernel."""
    L: list[str] = []
    add = L.append
    add('## 3. Filtered-out cost')
    add('')
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
    return L


def section_tracer_cpu(fig1: dict) -> list[str]:
    """Figure 4: tracer CPU per million delivered events."""
    L: list[str] = []
    add = L.append
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
    return L


def section_attach_latency(f5: dict | None, targets: Targets) -> list[str]:
    """Figure 5: command start to first event, and in-session attach."""
    L: list[str] = []
    add = L.append
    add('## 5. Attach latency')
    add('')
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
        first = (sess or {}).get('first')
        if first:
            add(f"A probe's first attach in a session, as the shell runs it (every probe loaded ahead off the JS thread "
                f"at start, `Engine.preload`; {len(first['attach_ms'])} fresh sessions, once opensnoop's load ahead landed): "
                f"attach call {fmt(median(first['attach_ms']), 1)} ms, attach call → first event "
                f"{fmt(median(first['first_event_ms']), 1)} ms (median). Without loading ahead "
                f"(`ATTACH_NO_PRELOAD=1`) the first attach loads and verifies on the JS thread (~80 ms on a quiet machine).")
            add('')
            ff = median(first['first_event_ms']) if first['preload'] else None
            targets.append(('`:attach` → first event ≤ 10 ms', f"first attach of a probe {fmt(ff, 1)} ms; again (spare) {fmt(sess_first, 1)} ms",
                            'met' if ff is not None and ff <= 10 and sess_first is not None and sess_first <= 10 else 'missed'))
        targets.append(('attach latency ≤ 50 ms', f'in-session attach → first event {fmt(sess_first, 1)} ms; '
                        f'command start → first event {fmt(ours)} ms',
                        ('met' if sess_first is not None and sess_first <= 50 else 'missed') + ' in session; '
                        + ('met' if ours is not None and ours <= 50 else 'missed') + ' from command start'))
    else:
        add('Not run (time budget).')
        add('')
    return L


def section_capture(f6: dict | None) -> list[str]:
    """Figure 6: capture to SQLite, from figure 1's `ebpfsh record` runs."""
    L: list[str] = []
    add = L.append
    add('## 6. Capture to SQLite')
    add('')
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
    return L


def section_replay(replay_text: str) -> list[str]:
    """Figure 7: what bench/replay-bench.mjs printed."""
    L: list[str] = []
    add = L.append
    add('## 7. Replay and query figures on a generated 10M-event capture')
    add('')
    add('From `node bench/replay-bench.mjs` in this run: a 10M-event capture (opens, execs, connects and a '
        'process table) written through the real `Recorder` (cached in `bench/.cache/`), then replay opened in '
        'fresh processes and the documented forensic queries run through `ebpfsh query`.')
    add('')
    add('```')
    add(replay_text.rstrip())
    add('```')
    add('')
    return L


def section_targets(targets: Targets) -> list[str]:
    """The targets of issue 7 and the notes."""
    L: list[str] = []
    add = L.append
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
    return L


def report(s: Settings, env: dict[str, str], results: dict, have_record: bool, elapsed: float, skipped: list[str]) -> str:
    """The whole page: header, then one section per figure."""
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

    targets: Targets = []
    fig1 = results.get('slowdown', {})
    capture = {w: d['runs'].get('ebpfsh record', []) for w, d in fig1.items()} if have_record else None
    L += section_slowdown(fig1, have_record, targets)
    L += section_completeness(fig1)
    L += section_filter_cost(results.get('filter_cost'), targets)
    L += section_tracer_cpu(fig1)
    if results.get('tracer_cpu'):
        L += report_tracer_cpu(results['tracer_cpu'], targets)
    L += section_attach_latency(results.get('attach_latency'), targets)
    L += section_capture(capture)
    L += section_replay(results.get('replay', ''))
    L += section_startup(results.get('startup', ''))
    L += section_queries(results.get('queries', ''))
    L += section_bpf_cost(results.get('bpf_cost'), targets)
    L += section_shell(results.get('shell'), targets)
    L += section_targets(targets)
    return '\n'.join(L) + '\n'
