import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { EXIT_F_GROUP_DEAD, EXIT_F_GROUP_GUESSED } from '../../src/event/generated/skeleton.js';
import { findProbe, probeId } from '../../src/probes/index.js';
import { exitsnoop } from '../../src/probes/exitsnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(exitsnoop, layouts, new HeaderDecoder(layouts));

/** An exit_event with `status` (wait status) and flags. */
function exitRecord(o: { status: number; flags?: number; lifetimeNs?: bigint; comm?: string }): Buffer {
  return record(
    'exit_event',
    { probeId: probeId(exitsnoop), kind: 0, comm: o.comm ?? 'worker' },
    { exit_code: o.status, flags: o.flags ?? EXIT_F_GROUP_DEAD, lifetime_ns: o.lifetimeNs ?? 2_500_000_000n, start_ns: 12_345_000_000_000n },
  );
}
const decode = (b: Buffer) => decoder.decode(b, 0, b.length);
/** Python that waits until its other threads have left the kernel too (the last thread to exit is the one with thread = 0). */
const LAST = 'while len(os.listdir("/proc/self/task")) > 1: time.sleep(0.001)\n';
const line = (e: TraceEvent) => exitsnoop.describe(e).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [exitsnoop]), exitsnoop)!(e);

describe('exitsnoop records', () => {
  it('splits the wait status into code, signal and core dump', () => {
    expect(decode(exitRecord({ status: 3 << 8 })).fields).toEqual({
      ret: -1, code: 3, sig: 0, core: 0, thread: 0, exit_code: 768, lifetime_us: 2_500_000, start_ticks: 1_234_500,
    });
    expect(decode(exitRecord({ status: 9 })).fields).toMatchObject({ ret: -1, code: 0, sig: 9, core: 0 });
    expect(decode(exitRecord({ status: 0x80 | 11 })).fields).toMatchObject({ code: 0, sig: 11, core: 1 });
    expect(decode(exitRecord({ status: 0 })).fields).toMatchObject({ ret: 0, code: 0, sig: 0 });
  });

  it('tells a thread from the last thread, the guessed flag alone meaning a thread', () => {
    expect(decode(exitRecord({ status: 0, flags: 0 })).fields.thread).toBe(1);
    expect(decode(exitRecord({ status: 0, flags: EXIT_F_GROUP_GUESSED })).fields.thread).toBe(1);
    expect(decode(exitRecord({ status: 0, flags: EXIT_F_GROUP_DEAD | EXIT_F_GROUP_GUESSED })).fields.thread).toBe(0);
  });

  it('describes code, signal, core dump and lifetime', () => {
    expect(line(decode(exitRecord({ status: 3 << 8 })))).toBe('process exit 3 after 2.50s');
    expect(line(decode(exitRecord({ status: 0x80 | 6, lifetimeNs: 1_500_000n })))).toBe('process killed by SIGABRT (core dumped) after 1.5ms');
    expect(line(decode(exitRecord({ status: 0, flags: 0, lifetimeNs: 800_000n })))).toBe('thread 1001 exit 0 after 800us');
    expect(line(decode(exitRecord({ status: 15, lifetimeNs: 7_384_000_000_000n })))).toBe('process killed by SIGTERM after 2h03m');
  });

  it('filters by signal name or number, code and thread', () => {
    const killed = decode(exitRecord({ status: 9 }));
    const three = decode(exitRecord({ status: 3 << 8 }));
    const thread = decode(exitRecord({ status: 0, flags: 0 }));
    for (const w of ['sig=KILL', 'sig=SIGKILL', 'sig=sigkill', 'sig=9']) expect(matches([w], killed), w).toBe(true);
    expect(matches(['sig=TERM,KILL'], killed)).toBe(true);
    expect(matches(['sig=KILL'], three)).toBe(false);
    expect(matches(['sig=0'], three)).toBe(true);
    expect(matches(['code=3'], three)).toBe(true);
    expect(matches(['code!=0'], thread)).toBe(false);
    expect(matches(['thread=1'], thread)).toBe(true);
    expect(matches(['thread=0'], thread)).toBe(false);
    expect(matches(['failed'], three)).toBe(true);
    expect(matches(['failed'], thread)).toBe(false);
  });

  it('refuses bad filter values with an example', () => {
    expect(() => parseFilters(['sig=KIL'], [exitsnoop])).toThrow(/sig: 'KIL' is not a signal name .*e\.g\. sig=KILL/);
    expect(() => parseFilters(['sig=65'], [exitsnoop])).toThrow(/0-64/);
    expect(() => parseFilters(['code=256'], [exitsnoop])).toThrow(/code: '256' is not a number 0-255 \(e\.g\. code=1\)/);
    expect(() => parseFilters(['thread=maybe'], [exitsnoop])).toThrow(/thread: 'maybe' is not 0 or 1/);
  });

  it('keeps a hostile comm byte-exact', () => {
    const e = decode(exitRecord({ status: 0, comm: 'a\x1b[2J\xff' }));
    expect(e.comm).toEqual(Uint8Array.from(Buffer.from('a\x1b[2J\xff', 'latin1')));
  });

  it('is the probe `exit` names, and its facets name signals, offer values and draw tree lines', () => {
    expect(findProbe('exit')).toBe(exitsnoop);
    const f = exitsnoop.facets!;
    expect(f.detailValue!('sig', 9)).toBe('SIGKILL (9)');
    expect(f.detailValue!('sig', 0)).toBe('0 (no signal)');
    expect(f.detailValue!('exit_code', 0x86)).toBe('killed by SIGABRT (core dumped) (0x86)');
    expect(f.detailValue!('lifetime_us', 2_500_000)).toBe('2.50s');
    expect(f.detailValue!('code', 1)).toBeUndefined();
    const offered: [string, string][] = [];
    f.completionValues!(decode(exitRecord({ status: 9 })), (k, v) => offered.push([k, v]));
    f.completionValues!(decode(exitRecord({ status: 2 << 8 })), (k, v) => offered.push([k, v]));
    expect(offered).toEqual([['sig', 'KILL'], ['code', '2']]);
    const lines = f.tree!.lines([[1, 7, 0, 0, 0, 1, 900], [2, 5, 0, 9, 0, 0, 2_000_000], [3, 5, 'x', null, 0, 0, null]], { time: String, indent: '', perKind: 10 });
    expect(lines).toEqual(['  exit    1 thread 7 exit 0 after 900us', '  exit    2 process killed by SIGKILL after 2.00s', '  exit    3 process status x/? after ?']);
  });
});

describeKernel('exitsnoop on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(exitsnoop, ['comm=python3']);
  });
  afterAll(() => s.engine.close());
  const py = (code: string) => run('/usr/bin/python3', ['-c', code], { uid: 1000 });
  const processExit = (pid: number) => waitFor(() => s.events.find((e) => e.pid === pid && e.fields.thread === 0), 5000, `exit of ${pid}`);

  it('attaches tp_btf/sched_process_exit', () => {
    expect(s.attachment.attachPoints).toEqual(['tp_btf/sched_process_exit']);
  });

  it('sees exit code 3 with the lifetime of the process', async () => {
    const r = await py('import sys, time\ntime.sleep(0.05)\nsys.exit(3)');
    const e = await processExit(r.pid);
    expect(e.fields).toMatchObject({ code: 3, sig: 0, core: 0, thread: 0, exit_code: 3 << 8, ret: -1 });
    expect(e.tid).toBe(r.pid);
    expect(e.uid).toBe(1000);
    expect(e.fields.lifetime_us as number).toBeGreaterThanOrEqual(50_000);
    expect(e.fields.lifetime_us as number).toBeLessThan(10_000_000);
  });

  it('sees a process killing itself with SIGKILL', async () => {
    const r = await py('import os\nos.kill(os.getpid(), 9)');
    expect(r.code).toBeNull();
    const e = await processExit(r.pid);
    expect(e.fields).toMatchObject({ code: 0, sig: 9, core: 0, thread: 0, exit_code: 9 });
    expect(line(e)).toMatch(/^process killed by SIGKILL after /);
  });

  it('sees a thread exit apart from its process', async () => {
    // join() returns before the thread is gone from the kernel: wait until it is, so the main thread is the last
    const r = await py(`import threading, time, sys, os\nt = threading.Thread(target=lambda: time.sleep(0.05))\nt.start()\nt.join()\n${LAST}sys.exit(0)`);
    const proc = await processExit(r.pid);
    const thread = await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.thread === 1), 5000, 'the thread exit');
    expect(thread.tid).not.toBe(r.pid);
    expect(thread.fields).toMatchObject({ code: 0, sig: 0, thread: 1 });
    expect(thread.fields.lifetime_us as number).toBeGreaterThanOrEqual(50_000);
    expect(thread.ts).toBeLessThan(proc.ts);
    expect(proc.fields).toMatchObject({ code: 0, sig: 0, thread: 0, ret: 0 });
    expect(proc.tid).toBe(r.pid);
  });
});

describeKernel('exitsnoop through its tracepoint fallback', () => {
  let s: ReturnType<typeof startSession>;
  const hooks = exitsnoop.hooks;
  beforeAll(() => {
    // what a kernel that refuses the tp_btf program (no group_dead argument before 6.16) attaches
    exitsnoop.hooks = hooks.map((h) => ({ ...h, choices: h.choices.slice(1) }));
    s = startSession(exitsnoop, ['comm=python3', 'uid=1000']);
  });
  afterAll(() => {
    s.engine.close();
    exitsnoop.hooks = hooks;
  });

  it('tells the thread from the process with the record’s group_dead', async () => {
    expect(s.attachment.attachPoints).toEqual(['tracepoint/sched/sched_process_exit']);
    const r = await run('/usr/bin/python3', ['-c', `import threading, sys, os, time\nt = threading.Thread(target=lambda: None)\nt.start()\nt.join()\n${LAST}sys.exit(4)`], { uid: 1000 });
    const proc = await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.thread === 0), 5000, 'the process exit');
    const thread = await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.thread === 1), 5000, 'the thread exit');
    expect(proc.fields).toMatchObject({ code: 4, sig: 0 });
    expect(proc.tid).toBe(r.pid);
    expect(thread.tid).not.toBe(r.pid);
  });
});
