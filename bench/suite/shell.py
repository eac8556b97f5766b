"""The interactive shell under a rate-limited open storm (issue 16): keystroke
echo, :detach of one probe and of a profile, and the shell's RSS over time,
from bench/shell-bench.mjs driving the real shell in tmux."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from .common import ROOT, Settings, log


def measure_shell(s: Settings) -> dict | None:
    """Runs bench/shell-bench.mjs at 100k opens/s; its JSON figures, or None when it failed."""
    # the target is RSS after 10 minutes: a full run measures it, not a projection (the heap's sawtooth misleads one)
    minutes = 1 if s.quick else 10
    keys = 40 if s.quick else 100
    with tempfile.NamedTemporaryFile(suffix='.json') as out:
        try:
            r = subprocess.run(['node', str(ROOT / 'bench' / 'shell-bench.mjs'), '--rate', '100000', '--keys', str(keys),
                                '--minutes', str(minutes), '--json', out.name], cwd=ROOT, capture_output=True, text=True,
                               timeout=minutes * 60 + 300)
            log(f'shell bench: {r.stdout.strip()}')
            res = json.loads(Path(out.name).read_text()) if r.returncode == 0 else None
        except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as e:
            log(f'shell bench failed: {e}')
            return None
    if res is not None:
        res['frames'] = measure_frames(s)
    return res


def measure_frames(s: Settings) -> dict | None:
    """Runs bench/shell-render-bench.ts (the shell's frames over a fake engine at 100k events/s, CPU time); its JSON, or None."""
    with tempfile.NamedTemporaryFile(suffix='.json') as out:
        try:
            r = subprocess.run([str(ROOT / 'node_modules' / '.bin' / 'tsx'), str(ROOT / 'bench' / 'shell-render-bench.ts'), '--seconds',
                                '3' if s.quick else '5', '--json', out.name], cwd=ROOT, capture_output=True, text=True, timeout=120)
            log(f'shell frames: {r.stdout.strip()}')
            return json.loads(Path(out.name).read_text()) if r.returncode == 0 else None
        except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as e:
            log(f'shell frame bench failed: {e}')
            return None


def _f(x: float | None, d: int = 1) -> str:
    return '-' if x is None else f'{x:.{d}f}'


def _met(ok: bool) -> str:
    return 'met' if ok else 'missed'


def section_shell(f8: dict | None, targets: list, frames: dict | None = None) -> list[str]:
    """Figure 12: the shell at exactly 100k events/s (and, when measured, what its frames cost)."""
    L = ['## 12. The shell under 100k events/s', '']
    frames = frames or (f8 or {}).get('frames')
    if frames:
        L.append('`bench/shell-render-bench.ts`: the real shell\'s frames (ink, React, the model) over a fake engine fed 100k open '
                 'events/s, in a 160x40 fake terminal; CPU time, so a busy machine moves it little.')
        L.append('')
        L += ['| figure | value |', '|---|---:|',
              f"| CPU per event frame ({_f(frames['eventFramesPerS'])} frames/s) | {_f(frames['eventFrameCpuMs'], 2)} ms |",
              f"| CPU per key's frame (a still table) | {_f(frames['keyFrameCpuMs'], 2)} ms |",
              f"| ingest alone (no frames) | {_f(frames['ingestCpuMsPerS'])} CPU ms/s |",
              f"| echo in-process, key in → a frame holding it, p50 / p95 ({frames['echo']['n']} keys) | {_f(frames['echo']['p50'])} / {_f(frames['echo']['p95'])} ms |", '']
    if not f8:
        return L + ['Not run (time budget, or the shell bench failed: see the log).', '']
    L.append('`bench/shell-bench.mjs`: the real shell in tmux, `:attach open comm=ebbstorm`, the open storm held at '
             'exactly 100k opens/s (`storm -r 100000`). Times are send-keys → visible in capture-pane (polled every '
             '5 ms), so they include tmux (each send-keys and capture-pane is a process) and the frame pacing (a key is drawn at once, '
             'new events about 25 times a second: src/tui/shell/frame-pacer.ts).')
    L.append('')
    e, d, p, m = f8['echo'], f8['detach'], f8.get('profile') or {}, f8['rss']
    med = lambda xs: sorted(xs)[len(xs) // 2] if xs else None  # noqa: E731
    L += ['| figure | value | target |', '|---|---:|---|',
          f"| keystroke echo p50 / p95 ({e['n']} keys) | {_f(e['p50'])} / {_f(e['p95'])} ms | p95 ≤ 100 ms |",
          f"| `:detach open`: UI back, a key typed right after the Enter echoed (median) | {_f(med(d.get('uiBackMs') or []))} ms | ≤ 50 ms |",
          f"| `:detach open`: its line / a key sent once the line showed, echoed (median, from the Enter) | {_f(med(d['lineMs']))} / {_f(med(d['keyMs']))} ms | |",
          f"| `:detach all` ({p.get('probes', '-')} probes): UI back (a key typed right after) / its line | {_f(p.get('detachKeyMs'))} / {_f(p.get('detachMs'))} ms | UI back ≤ 50 ms |",
          f"| `:attach all` ({p.get('probes', '-')} probes) | {_f(p.get('attachMs'))} ms | |",
          f"| shell RSS after {m['minutes']} min | {_f(m['lastMiB'], 0)} MiB (max {_f(m['maxMiB'], 0)}) | |",
          f"| shell RSS at 10 min{' (extrapolated)' if m['extrapolated'] else ''} | {_f(m['at10MiB'], 0)} MiB | ≤ 300 MiB |", '']
    L.append('RSS curve (s: MiB): ' + ', '.join(m['curve']))
    L.append('')
    targets.append(('keystroke echo p95 ≤ 100 ms at 100k events/s', f"{_f(e['p95'])} ms", _met(e['p95'] <= 100)))
    back = med(d.get('uiBackMs') or [])
    back_all = p.get('detachKeyMs')
    targets.append(('`:detach` UI back ≤ 50 ms', f"a key typed right after `:detach open` echoed in {_f(back)} ms, after `:detach all` in {_f(back_all)} ms",
                    _met(back is not None and back <= 50 and (back_all is None or back_all <= 50))))
    targets.append(('shell RSS ≤ 300 MiB after 10 min at 100k/s', f"{_f(m['at10MiB'], 0)} MiB{' (extrapolated)' if m['extrapolated'] else ''}",
                    _met(m['at10MiB'] is not None and m['at10MiB'] <= 300)))
    return L
