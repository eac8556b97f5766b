import { describe, expect, it } from 'vitest';
import { DashboardModel, WINDOW_SECONDS } from '../../../src/tui/dashboard/dashboard-model.js';
import type { TraceEvent } from '../../../src/event/index.js';
import { setHostNames } from '../../../src/text/index.js';

const S = 1e9;
function ev(probe: string, ts: number, over: Partial<TraceEvent> = {}, fields: TraceEvent['fields'] = {}): TraceEvent {
  return { probe, ts, kind: 0, pid: 100, tid: 100, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 1, nspid: 100, comm: 'cat', fields, ...over };
}

describe('dashboard model', () => {
  it('counts events per probe per second on the events’ own clock', () => {
    const m = new DashboardModel();
    m.add([ev('opensnoop', 1000 * S), ev('opensnoop', 1000.5 * S), ev('execsnoop', 1001 * S)]);
    const s = m.snapshot();
    expect(s.rates.opensnoop!.slice(-2)).toEqual([2, 0]);
    expect(s.rates.execsnoop!.slice(-1)).toEqual([1]);
    expect(s.rates.opensnoop).toHaveLength(WINDOW_SECONDS);
  });

  it('ranks processes and users, switchable by probe', () => {
    const m = new DashboardModel();
    m.add([...Array(5)].map(() => ev('opensnoop', S, { comm: 'burst', pid: 7 }, { path: '/x', ret: 3 })));
    m.add([ev('execsnoop', S, { comm: 'sh', pid: 8, uid: 0 })]);
    expect(m.snapshot().topProcesses[0]).toEqual(['burst(7) ← ppid 1', 5]);
    m.cycleFocus(); // -> execsnoop
    expect(m.snapshot().focus).toBe('execsnoop');
    expect(m.snapshot().topProcesses).toEqual([['sh(8) ← ppid 1', 1]]);
    expect(m.snapshot().topUsers).toEqual([['0', 1]]);
  });

  it('groups a forking loop into one bar under its parent, with how many pids it took; g switches to one bar per pid', () => {
    const m = new DashboardModel();
    // bash 4242 runs curl in a loop: every child a new pid, each with a few opens
    m.add([ev('execsnoop', S, { comm: 'bash', pid: 4242, ppid: 4000 })]);
    m.add([...Array(30)].flatMap((_, i) => [...Array(3)].map(() => ev('opensnoop', S, { comm: 'curl', pid: 5000 + i, ppid: 4242 }))));
    m.add([...Array(10)].map(() => ev('opensnoop', S, { comm: 'sshd', pid: 900, ppid: 1 })));
    const grouped = m.snapshot();
    expect(grouped.grouping).toBe('parent');
    expect(grouped.topProcesses.slice(0, 2)).toEqual([['curl ×30 ← bash(4242)', 90], ['sshd(900) ← ppid 1', 10]]);
    m.toggleGrouping();
    const perPid = m.snapshot();
    expect(perPid.grouping).toBe('pid');
    expect(perPid.topProcesses[0]).toEqual(['sshd(900)', 10]);
    expect(perPid.topProcesses.slice(1, 4)).toEqual([['curl(5000)', 3], ['curl(5001)', 3], ['curl(5002)', 3]]);
    m.toggleGrouping();
    expect(m.snapshot().grouping).toBe('parent');
  });

  it('names a parent it saw no event of by the resolver it was given (live: the process book), escaped', () => {
    const m = new DashboardModel(S, (pid) => (pid === 77 ? 'loop\x1b[2J' : undefined));
    m.add([ev('opensnoop', S, { comm: 'x', pid: 78, ppid: 77 }), ev('opensnoop', S, { comm: 'x', pid: 79, ppid: 77 })]);
    expect(m.snapshot().topProcesses).toEqual([['x ×2 ← loop\\e[2J(77)', 2]]);
  });

  it('shows top users by name(uid) from the names it was given, the number for an unknown uid', () => {
    setHostNames([{ kind: 'user', num: 1000, name: 'cloudsdk' }, { kind: 'user', num: 0, name: 'root' }]);
    try {
      const m = new DashboardModel();
      m.add([ev('opensnoop', S), ev('opensnoop', S), ev('opensnoop', S, { uid: 0 }), ev('opensnoop', S, { uid: 4321 })]);
      expect(m.snapshot().topUsers).toEqual([['cloudsdk(1000)', 2], ['root(0)', 1], ['4321', 1]]);
    } finally {
      setHostNames([]);
    }
  });

  it('keeps recent connections and top destinations, files with failures, escaped', () => {
    const m = new DashboardModel();
    m.add([
      ev('tcpconnect', S, { comm: 'curl\x1b[2J' }, { daddr: '10.0.0.1', dport: 443, ipver: 4, ret: 0 }),
      ev('tcpconnect', 2 * S, {}, { daddr: '::1', dport: 22, ipver: 6, ret: -111 }),
      ev('opensnoop', 2 * S, {}, { path: '/etc/shadow', ret: -13 }),
      ev('opensnoop', 2 * S, {}, { path: '/etc/shadow', ret: 3 }),
    ]);
    const s = m.snapshot();
    expect(s.recentConnects.map((c) => [c.comm, c.dest, c.port, c.outcome])).toEqual([
      ['cat', '::1', 22, 'ECONNREFUSED'],
      ['curl\\e[2J', '10.0.0.1', 443, 'ok'],
    ]);
    expect(s.topDestinations).toEqual([['10.0.0.1:443', 1], ['[::1]:22', 1]]);
    expect(s.topFiles).toEqual([{ path: '/etc/shadow', opens: 2, failures: 1 }]);
  });

  it('shows losses as a share of everything and marks coverage gaps', () => {
    const m = new DashboardModel();
    m.add([...Array(90)].map(() => ev('opensnoop', 200 * S)));
    m.addLoss('opensnoop', 10, 200 * S);
    m.setCoverage([{ probe: 'opensnoop', fromNs: 150 * S, toNs: null }]);
    const s = m.snapshot();
    expect(s.lossPercent).toBeCloseTo(10);
    expect(s.losses.opensnoop!.at(-1)).toBe(10);
    const cov = s.coverage.opensnoop!;
    expect(cov.at(-1)).toBe(true);
    expect(cov[0]).toBe(false); // second 81: before the attach at 150
  });

  it('forgets seconds that leave the window', () => {
    const m = new DashboardModel();
    m.add([ev('opensnoop', 10 * S)]);
    m.advanceTo((10 + WINDOW_SECONDS + 5) * S);
    expect(m.snapshot().rates.opensnoop!.every((n) => n === 0)).toBe(true);
  });

  it('lists security events newest first with their label, counted per label, escaped; other events stay out', () => {
    const m = new DashboardModel();
    const chmod = (path: string, mode: number, ret = 0) => ev('chmod', 5 * S, { comm: 'dropper\x1b[2J', pid: 9 }, { ret, path, raw_path: path, mode, special: '', flags: 0, fd: -1, syscall: 'chmod', truncated: 0 });
    m.add([chmod('/tmp/.x', 0o4755), chmod('/tmp/plain', 0o644), chmod('/tmp/denied', 0o4755, -1), chmod('/tmp/.y\x1b]0;t\x07', 0o2755)]);
    const s = m.snapshot();
    expect(s.recentSecurity.map((r) => r.label)).toEqual(['setgid bit', 'setuid bit']);
    expect(s.recentSecurity[1]).toMatchObject({ comm: 'dropper\\e[2J', pid: 9, uid: 1000 });
    expect(s.recentSecurity[1]!.text).toContain('/tmp/.x rwsr-xr-x');
    expect(s.recentSecurity[0]!.text).not.toMatch(/[\x00-\x1f]/);
    expect(s.securityCounts).toEqual([['setgid bit', 1], ['setuid bit', 1]].sort((a, b) => (a[0]! < b[0]! ? 1 : -1)) as [string, number][]);
  });
});
