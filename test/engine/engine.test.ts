import { describe, expect, it, vi } from 'vitest';
import { Engine, ProbeError, type TraceEvent } from '../../src/engine/index.js';
import { loadLayouts, parseFilters } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { execRecord, frame, openRecord } from '../probes/fixtures.js';
import { fakeBackend } from './fake-backend.js';

// The engine checks privileges before loading; the fake kernel needs none.
vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

const layouts = loadLayouts();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

describe('engine against a fake kernel', () => {
  it('loads only the programs of the chosen hooks, with the probe id and its own pid as load-time config', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    const a = engine.attach(execsnoop, parseFilters([], [execsnoop]));
    expect(a.attachPoints[0]).toBe('raw_tp/sched_process_exec');
    expect(b.session.loads[0]!.opts.programs).toEqual(['exec_raw', 'exit_execve', 'enter_execve', 'enter_execveat']);
    expect(b.session.loads[0]!.opts.rodata).toMatchObject({ targ_probe_id: probeId(execsnoop), targ_self_tgid: process.pid });
  });

  it('loads a program two hooks share once and attaches it at each, in hook order', () => {
    const b = fakeBackend();
    new Engine({ backend: b }).attach(execsnoop, parseFilters([], [execsnoop]));
    expect(b.session.attachCalls).toEqual([
      { program: 'exec_raw' },
      { program: 'exit_execve' },
      { program: 'enter_execve' },
      { program: 'exit_execve', target: 'syscalls/sys_exit_execveat' },
      { program: 'enter_execveat' },
    ]);
  });

  it('falls back to the next attach point when the kernel refuses a program, and reports it', () => {
    const b = fakeBackend({ refuseLoad: ['exec_raw'] });
    const a = new Engine({ backend: b }).attach(execsnoop, parseFilters([], [execsnoop]));
    expect(a.attachPoints[0]).toBe('tp_btf/sched_process_exec');
    expect(b.session.attached.has('exec_btf')).toBe(true);
  });

  it('drops an optional hook the kernel refuses, keeps the probe, and says what is missing', () => {
    // opensnoop's one program is attached once per open syscall: the kernel refuses the openat2 tracepoint
    const b = fakeBackend({ refuseAttach: ['exit_openat@syscalls/sys_exit_openat2'] });
    const a = new Engine({ backend: b }).attach(opensnoop, parseFilters([], [opensnoop]));
    expect(a.missing).toEqual([expect.stringMatching(/^openat2: attach exit_openat at syscalls\/sys_exit_openat2 failed/)]);
    // the retry without it: one program, four tracepoints
    expect(b.session.attachCalls.slice(-4)).toEqual([
      { program: 'exit_openat' },
      { program: 'exit_openat', target: 'syscalls/sys_exit_open' },
      { program: 'exit_openat', target: 'syscalls/sys_exit_creat' },
      { program: 'exit_openat', target: 'syscalls/sys_exit_open_by_handle_at' },
    ]);
  });

  it('fails with a ProbeError when a required hook has no choice left', () => {
    const b = fakeBackend({ refuseLoad: ['exec_raw', 'exec_btf', 'exec_tp'] });
    expect(() => new Engine({ backend: b }).attach(execsnoop, parseFilters([], [execsnoop]))).toThrow(ProbeError);
  });

  it('writes kernel filters into the shared maps and clears them on detach', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters(['uid=1000,1001', 'comm!=sshd', 'path=/etc/'], [opensnoop]));
    const id = probeId(opensnoop);
    const pf = b.session.mapLookup('probe_filters', u32(id))!;
    const m = layouts.structs.probe_filter!.members;
    expect(pf[m.active!.offset]).toBe(1);
    expect(pf[m.uid_mode!.offset]).toBe(1); // include
    expect(pf[m.comm_mode!.offset]).toBe(2); // exclude
    expect(pf[m.pid_mode!.offset]).toBe(0);
    expect(b.session.mapKeys('filter_uid')).toHaveLength(2);
    expect(b.session.mapKeys('filter_comm')).toHaveLength(1);

    engine.setFilters(opensnoop, parseFilters(['uid=1000'], [opensnoop]));
    expect(b.session.mapKeys('filter_uid')).toHaveLength(1);
    expect(b.session.mapKeys('filter_comm')).toHaveLength(0);

    engine.detach(opensnoop);
    expect(b.session.mapLookup('probe_filters', u32(id))![m.active!.offset]).toBe(0);
    expect(b.session.mapKeys('filter_uid')).toHaveLength(0);
  });

  it('decodes batches, applies the userspace part of the filter, and counts what it rejects', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters(['path=/etc/'], [opensnoop]));
    const seen: TraceEvent[] = [];
    engine.onEvents((evs) => seen.push(...evs));
    const id = probeId(opensnoop);
    b.session.onBatch!(
      frame([
        openRecord(id, { ret: 3, path: Buffer.from('/etc/passwd'), flags: 0, mode: 0, kind: 0 }),
        openRecord(id, { ret: 3, path: Buffer.from('/tmp/x'), flags: 0, mode: 0, kind: 0 }),
      ]),
    );
    expect(seen.map((e) => e.fields.path)).toEqual(['/etc/passwd']);
    const c = engine.counters().find((x) => x.probe === 'opensnoop')!;
    expect(c).toMatchObject({ events: 1, filtered: 1 });
  });

  it('counts undecodable records and userspace queue drops as losses of their probe', () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(execsnoop, parseFilters([], [execsnoop]));
    const id = probeId(execsnoop);
    const bad = execRecord(id, { ret: 0, filename: Buffer.from('/x'), exe: Buffer.from('/x'), args: Buffer.from('x'), argc: 1 });
    bad.writeUInt16LE(60000, 82);
    b.session.queueDrops[id] = 7;
    b.session.onBatch!(frame([bad]));
    const c = engine.counters().find((x) => x.probe === 'execsnoop')!;
    expect(c.losses).toMatchObject({ decode_error: 1, queue_overflow: 7, ringbuf_full: 0 });
  });
});
