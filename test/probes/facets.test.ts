import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { procsnoop } from '../../src/probes/procsnoop/spec.js';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';
import { PROBES, facetsOf, processTableProbe, type ProbeSpec } from '../../src/probes/index.js';

const event = (probe: ProbeSpec, fields: TraceEvent['fields'], kind = 0): TraceEvent => ({
  ts: 1, kind, pid: 42, tid: 42, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 1, nspid: 42, comm: 'x', probe: probe.name, fields,
});
const completions = (e: TraceEvent) => {
  const out: [string, string][] = [];
  facetsOf(e.probe)?.completionValues?.(e, (k, v) => out.push([k, v]));
  return out;
};

// What the detail pane, completion, the dashboard, the process table, the
// forensic views and the tree know of a probe, they learn from its facets.
describe('probe facets', () => {
  it('opensnoop shows flags and mode in the detail pane, offers paths, and feeds the files panel', () => {
    const f = opensnoop.facets!;
    expect(f.detailValue!('flags', 0o1101)).toBe('O_WRONLY|O_CREAT|O_TRUNC (0x241)');
    expect(f.detailValue!('mode', 0o644)).toBe('0644');
    expect(f.detailValue!('ret', 3)).toBeUndefined();
    const e = event(opensnoop, { ret: -2, path: '/etc/shadow' });
    expect(completions(e)).toEqual([['path', '/etc/shadow']]);
    expect(f.dashboard!(e)).toEqual({ panel: 'files', path: '/etc/shadow', ret: -2 });
  });

  it('tcpconnect offers ports and addresses and feeds the connections panel', () => {
    const e = event(tcpconnect, { ret: 0, daddr: '127.0.0.1', dport: 443, ipver: 4 });
    expect(completions(e)).toEqual([['dport', '443'], ['daddr', '127.0.0.1']]);
    expect(tcpconnect.facets!.dashboard!(e)).toEqual({ panel: 'connections', daddr: '127.0.0.1', dport: 443, ipver: 4, ret: 0 });
  });

  it('execsnoop states an exec with the full argv (not a failed one); procsnoop every lifetime with its start time', () => {
    const ok = event(execsnoop, { ret: 0, filename: '/bin/true', exe: '/usr/bin/true', argv: ['true', 'a'] });
    expect(completions(ok)).toEqual([['path', '/bin/true']]);
    expect(execsnoop.facets!.processFact!(ok)).toEqual({ kind: 'exec', exe: '/usr/bin/true', argv: ['true', 'a'], fullArgv: true });
    expect(execsnoop.facets!.processFact!(event(execsnoop, { ret: -2, filename: '/nope', exe: '', argv: [] }, 1))).toBeUndefined();
    const life = { start_ticks: 500, parent_pid: 1, parent_start_ticks: 2 };
    expect(procsnoop.facets!.processFact!(event(procsnoop, { event: 'fork', ...life }))).toEqual({ kind: 'fork', startTicks: 500, parentPid: 1, parentStartTicks: 2 });
    expect(procsnoop.facets!.processFact!(event(procsnoop, { event: 'exit', exit_code: 256, ...life }))).toMatchObject({ kind: 'exit', exitCode: 256 });
    expect(procsnoop.facets!.processFact!(event(procsnoop, { event: 'exec', exe: '/x', argv: ['x'], ...life }))).toMatchObject({ kind: 'exec', startTicks: 500, fullArgv: false });
  });

  it('one probe keeps the process table, and the views and tree sections come from the probes', () => {
    expect(processTableProbe()).toBe(procsnoop);
    expect(PROBES.filter((p) => p.role === 'process-table')).toHaveLength(1);
    const views = PROBES.flatMap((p) => (p.facets?.forensicViews ?? []).map((v) => v.name));
    expect(views).toEqual(expect.arrayContaining(['files_per_process', 'connections_per_process', 'listeners', 'inbound_per_process']));
    expect(new Set(views).size).toBe(views.length);
    expect(PROBES.filter((p) => p.facets?.tree).map((p) => p.table)).toEqual(expect.arrayContaining(['exec', 'open', 'connect', 'unlink', 'rename', 'bind', 'listen', 'accept', 'dup', 'memfd', 'setuid', 'ptrace', 'bpf', 'exit', 'kill', 'mount']));
    const lines = tcpconnect.facets!.tree!.lines([[1, 0, '::1', 22, 6], [2, -111, '10.0.0.1', 80, 4]], { time: String, indent: '', perKind: 10 });
    expect(lines).toEqual(['  connect 1 [::1]:22 ok', '  connect 2 10.0.0.1:80 ECONNREFUSED']);
  });
});
