import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import {
  KILL_KIND_KILL,
  KILL_KIND_SIGNAL,
  KILL_KIND_TGKILL,
  KILL_KIND_TKILL,
  KILL_RES_DELIVERED,
  KILL_RES_IGNORED,
  KILL_RES_NONE,
  KILL_SRC_KERNEL,
  KILL_SRC_SYSCALL,
  KILL_TARGET_UID_UNKNOWN,
} from '../../src/event/generated/skeleton.js';
import { findProbe, probeId } from '../../src/probes/index.js';
import { killsnoop } from '../../src/probes/killsnoop/spec.js';
import { parseSignal, signalName } from '../../src/probes/signals.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(killsnoop, layouts, new HeaderDecoder(layouts));

interface KillFixture {
  kind?: number;
  ret?: number;
  sig: number;
  code?: number;
  target: number;
  tid?: number;
  uid?: number;
  result?: number;
  group?: number;
  source?: number;
  comm?: Buffer;
}
function killRecord(o: KillFixture): Buffer {
  return record(
    'kill_event',
    { probeId: probeId(killsnoop), kind: o.kind ?? KILL_KIND_SIGNAL, comm: 'bash' },
    {
      ret: o.ret ?? 0,
      sig: o.sig,
      code: o.code ?? 0,
      target: o.target,
      target_tid: o.tid ?? o.target,
      target_uid: o.uid ?? 0,
      result: o.result ?? KILL_RES_DELIVERED,
      group: o.group ?? 1,
      source: o.source ?? KILL_SRC_SYSCALL,
      target_comm: o.comm ?? Buffer.from('sshd'),
    },
  );
}
const decode = (b: Buffer) => decoder.decode(b, 0, b.length);
const line = (e: TraceEvent) => killsnoop.describe(e).map((p) => (typeof p === 'string' ? p : `«${String(p.data)}»`)).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [killsnoop]), killsnoop)!(e);
/** A failed or probing syscall as sys_exit records it. */
const syscallRecord = (kind: number, ret: number, sig: number, target: number, tid = 0) =>
  killRecord({ kind, ret, sig, target, tid, uid: KILL_TARGET_UID_UNKNOWN, result: KILL_RES_NONE, group: 0, comm: Buffer.alloc(0) });

describe('signal names', () => {
  it('names signals from the platform and parses names, SIG names and numbers', () => {
    expect(signalName(9)).toBe('SIGKILL');
    expect(signalName(6)).toBe('SIGABRT');
    expect(signalName(40)).toBe('SIG40');
    expect(signalName(0)).toBe('0');
    for (const v of ['KILL', 'SIGKILL', 'kill', 'SigKill', '9']) expect(parseSignal('sig', v), v).toBe(9);
    expect(parseSignal('sig', 'SIG40')).toBe(40);
    expect(() => parseSignal('sig', 'NOPE')).toThrow(/sig: 'NOPE' is not a signal name or a number 0-64 \(e\.g\. sig=KILL/);
  });
});

describe('killsnoop records', () => {
  it('decodes a generated signal with its target, result, source and si_code', () => {
    const e = decode(killRecord({ sig: 15, target: 4242, tid: 4243, uid: 0, code: -6, group: 0 }));
    expect(e.fields).toEqual({
      sig: 15, target: 4242, target_tid: 4243, target_comm: 'sshd', target_uid: 0, source: 'syscall', code: -6, group: 0, result: 'delivered', syscall: null, ret: 0,
    });
    expect(line(e)).toBe('SIGTERM -> 4242/4243 «sshd» delivered');
    const k = decode(killRecord({ sig: 17, target: 1, code: 1, source: KILL_SRC_KERNEL, result: KILL_RES_IGNORED }));
    expect(k.fields).toMatchObject({ source: 'kernel', result: 'ignored' });
    expect(line(k)).toBe('SIGCHLD -> 1 «sshd» ignored (kernel, si_code 1)');
  });

  it('decodes the tracepoint fallback, which knows only the target thread', () => {
    const e = decode(killRecord({ sig: 9, target: 0, tid: 77, uid: KILL_TARGET_UID_UNKNOWN }));
    expect(e.fields).toMatchObject({ target: null, target_tid: 77, target_uid: null });
    expect(line(e)).toBe('SIGKILL -> tid 77 «sshd» delivered');
  });

  it('decodes failed and probing calls with their arguments', () => {
    const kill = decode(syscallRecord(KILL_KIND_KILL, -1, 9, 1));
    expect(kill.fields).toEqual({
      sig: 9, target: 1, target_tid: null, target_comm: null, target_uid: null, source: 'syscall', code: null, group: null, result: null, syscall: 'kill', ret: -1,
    });
    expect(line(kill)).toBe('kill(1, SIGKILL) EPERM');
    expect(line(decode(syscallRecord(KILL_KIND_KILL, 0, 0, -1)))).toBe('kill(-1, 0) ok (target exists)');
    expect(line(decode(syscallRecord(KILL_KIND_TKILL, -3, 15, 0, 99)))).toBe('tkill(99, SIGTERM) ESRCH');
    expect(decode(syscallRecord(KILL_KIND_TKILL, -3, 15, 0, 99)).fields.target).toBeNull();
    expect(line(decode(syscallRecord(KILL_KIND_TGKILL, -3, 6, 5, 6)))).toBe('tgkill(5, 6, SIGABRT) ESRCH');
  });

  it('keeps a hostile target comm byte-exact', () => {
    const evil = Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x41]);
    const e = decode(killRecord({ sig: 9, target: 5, comm: evil }));
    expect(e.fields.target_comm).toEqual(Uint8Array.from(evil));
    const full = decode(killRecord({ sig: 9, target: 5, comm: Buffer.from('0123456789abcdef') }));
    expect(full.fields.target_comm).toBe('0123456789abcdef');
  });

  it('filters by signal, target (pid, tid or argument) and source', () => {
    const term = decode(killRecord({ sig: 15, target: 4242, tid: 4243 }));
    const tidOnly = decode(killRecord({ sig: 9, target: 0, tid: 77 }));
    const failed = decode(syscallRecord(KILL_KIND_KILL, -1, 9, -1));
    expect(matches(['sig=TERM'], term)).toBe(true);
    expect(matches(['sig=SIGKILL,9'], term)).toBe(false);
    expect(matches(['sig!=CHLD'], term)).toBe(true);
    expect(matches(['target=4242'], term)).toBe(true);
    expect(matches(['target=4243'], term)).toBe(true);
    expect(matches(['target=1'], term)).toBe(false);
    expect(matches(['target=77'], tidOnly)).toBe(true);
    expect(matches(['target=-1'], failed)).toBe(true);
    expect(matches(['source=syscall'], failed)).toBe(true);
    expect(matches(['source=kernel'], term)).toBe(false);
    expect(matches(['failed'], failed)).toBe(true);
    expect(matches(['failed'], term)).toBe(false);
    expect(() => parseFilters(['target=abc'], [killsnoop])).toThrow(/target: 'abc' is not a pid \(e\.g\. target=4242/);
    expect(() => parseFilters(['source=elsewhere'], [killsnoop])).toThrow(/source: 'elsewhere' is not syscall, user, queue, kernel/);
  });

  it('is what `kill` and `signal` name; its facets name signals, offer values, flag cross-user kills and draw tree lines', () => {
    expect(findProbe('kill')).toBe(killsnoop);
    expect(findProbe('signal')).toBe(killsnoop);
    const f = killsnoop.facets!;
    expect(f.detailValue!('sig', 19)).toBe('SIGSTOP (19)');
    expect(f.detailValue!('ret', 0)).toBeUndefined();
    const offered: [string, string][] = [];
    f.completionValues!(decode(killRecord({ sig: 9, target: 4242 })), (k, v) => offered.push([k, v]));
    expect(offered).toEqual([['sig', 'KILL'], ['target', '4242'], ['source', 'syscall']]);
    // the header is uid 1000 (fixtures): a SIGKILL to root's process is flagged, to its own is not
    const cross = f.security!(decode(killRecord({ sig: 9, target: 4242, uid: 0 })))!;
    expect(cross.label).toBe('kill');
    expect(cross.parts.map((p) => (typeof p === 'string' ? p : `«${String(p.data)}»`)).join('')).toBe('SIGKILL from uid 1000 to 4242 «sshd» (uid 0)');
    expect(f.security!(decode(killRecord({ sig: 9, target: 4242, uid: 1000 })))).toBeUndefined();
    expect(f.security!(decode(killRecord({ sig: 15, target: 4242, uid: 0 })))).toBeUndefined();
    expect(f.security!(decode(killRecord({ sig: 9, target: 4242, uid: 0, source: KILL_SRC_KERNEL })))).toBeUndefined();
    expect(f.security!(decode(syscallRecord(KILL_KIND_KILL, -1, 9, 1)))).toBeUndefined();
    const rows = [
      [1, 15, 4242, 4242, 'sshd', 'delivered', 'syscall', null, 0],
      [2, 17, 1, 1, 'init', 'delivered', 'kernel', null, 0],
      [3, 9, 1, null, null, null, 'syscall', 'kill', -1],
      [4, 11, 5, 5, '\x1b[2J', 'delivered', 'kernel', null, 0],
    ];
    expect(f.tree!.lines(rows, { time: String, indent: '', perKind: 10 })).toEqual([
      '  signal  1 SIGTERM -> 4242 sshd delivered',
      '  signal  3 kill(1, SIGKILL) EPERM',
      '  signal  4 SIGSEGV -> 5 \\e[2J delivered (kernel)',
      '  signal  (+ 1 SIGCHLD to the parent, raised by the kernel at exit)',
    ]);
  });
});

describeKernel('killsnoop on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(killsnoop, ['comm=python3', 'uid=1000']);
  });
  afterAll(() => s.engine.close());
  const py = (code: string) => run('/usr/bin/python3', ['-c', code], { uid: 1000 });

  it('attaches signal_generate by tp_btf and the kill-family syscalls', () => {
    expect(s.attachment.attachPoints).toEqual([
      'tp_btf/signal_generate',
      'tracepoint/syscalls/sys_{enter,exit}_kill',
      'tracepoint/syscalls/sys_{enter,exit}_tkill',
      'tracepoint/syscalls/sys_{enter,exit}_tgkill',
      'tracepoint/syscalls/sys_{enter,exit}_pidfd_send_signal',
    ]);
  });

  it('sees kill() of a child with the sender in the header and the target from the kernel', async () => {
    const r = await py(
      'import os, signal, subprocess, time\np = subprocess.Popen(["sleep", "30"])\n' +
        'while open(f"/proc/{p.pid}/comm").read().strip() != "sleep": time.sleep(0.01)\n' +
        'os.kill(p.pid, signal.SIGTERM)\np.wait()\nprint(p.pid)',
    );
    const child = Number(r.stdout.trim());
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.target === child && x.fields.sig === 15), 5000, 'the SIGTERM');
    expect(e.uid).toBe(1000);
    expect(e.fields).toMatchObject({ target_tid: child, target_comm: 'sleep', target_uid: 1000, source: 'syscall', code: 0, group: 1, result: 'delivered', syscall: null, ret: 0 });
    // and sleep's death sends SIGCHLD, raised by the kernel in sleep (filtered out here: comm=sleep)
    expect(s.events.filter((x) => x.pid === child)).toHaveLength(0);
  });

  it('sees a kill() refused with EPERM, which generates no signal', async () => {
    const r = await py('import os\ntry: os.kill(1, 9)\nexcept PermissionError: print("EPERM")');
    expect(r.stdout.trim()).toBe('EPERM');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'kill'), 5000, 'the failed kill');
    expect(e.fields).toMatchObject({ sig: 9, target: 1, ret: -1, result: null, source: 'syscall' });
    expect(s.events.filter((x) => x.pid === r.pid && x.fields.syscall === null && x.fields.target === 1)).toHaveLength(0);
  });

  it('sees a sig 0 existence probe by tgkill, and a fault the kernel raises in the target itself', async () => {
    const probe = await py('import signal, threading\nsignal.pthread_kill(threading.get_ident(), 0)');
    const p = await waitFor(() => s.events.find((x) => x.pid === probe.pid && x.fields.syscall === 'tgkill'), 5000, 'the tgkill probe');
    expect(p.fields).toMatchObject({ sig: 0, target: probe.pid, target_tid: probe.pid, ret: 0 });
    const segv = await py('import ctypes\nctypes.string_at(0)');
    expect(segv.code).toBeNull();
    const e = await waitFor(() => s.events.find((x) => x.pid === segv.pid && x.fields.sig === 11), 5000, 'the SIGSEGV');
    expect(e.fields).toMatchObject({ target: segv.pid, target_comm: 'python3', source: 'kernel', result: 'delivered', group: 0 });
    expect(e.fields.code as number).toBeGreaterThan(0); // SEGV_MAPERR
  });
});

describeKernel('killsnoop through its tracepoint fallback', () => {
  let s: ReturnType<typeof startSession>;
  const hooks = killsnoop.hooks;
  beforeAll(() => {
    // what a kernel that refuses tp_btf attaches: the record has the target thread and comm only
    killsnoop.hooks = hooks.map((h) => (h.name === 'signal_generate' ? { ...h, choices: h.choices.slice(1) } : h));
    s = startSession(killsnoop, ['comm=python3', 'uid=1000']);
  });
  afterAll(() => {
    s.engine.close();
    killsnoop.hooks = hooks;
  });

  it('sees a kill with the target thread and comm, the target process unknown', async () => {
    expect(s.attachment.attachPoints[0]).toBe('tracepoint/signal/signal_generate');
    const r = await run('/usr/bin/python3', ['-c', 'import os, signal\nsignal.signal(signal.SIGUSR1, lambda *a: None)\nos.kill(os.getpid(), signal.SIGUSR1)'], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.sig === 10), 5000, 'the SIGUSR1');
    expect(e.fields).toMatchObject({ target: null, target_tid: r.pid, target_comm: 'python3', target_uid: null, source: 'syscall', result: 'delivered', code: 0 });
    expect(matches([`target=${r.pid}`], e)).toBe(true);
  });
});
