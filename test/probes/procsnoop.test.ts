import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { procsnoop } from '../../src/probes/procsnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession } from '../engine/kernel-session.js';

describeKernel('procsnoop on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(procsnoop, ['uid=1000']);
  });
  afterAll(() => s.engine.close());

  it('attaches fork, exit and exec', () => {
    expect(s.attachment.attachPoints).toEqual(['tp_btf/sched_process_fork', 'tp_btf/sched_process_exit', 'tp_btf/sched_process_exec']);
  });

  it('reports a fork with the child in the header, the exec, and exits with their status', async () => {
    // sh forks /bin/true (a fork from a traced parent), then exits 3.
    const r = await run('sh', ['-c', '/bin/true x; exit 3'], { uid: 1000 });
    const shExit = await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.event === 'exit'), 5000, 'sh exit');
    expect(shExit.fields).toMatchObject({ exit_code: 3 << 8, ret: -1 });
    const fork = s.events.find((e) => e.fields.event === 'fork' && e.fields.parent_pid === r.pid)!;
    expect(fork).toBeDefined();
    expect(fork.ppid).toBe(r.pid);
    expect(fork.pid).not.toBe(r.pid);
    expect(fork.tid).toBe(fork.pid);
    expect(fork.uid).toBe(1000);
    expect(fork.fields.parent_start_ticks).toBe(shExit.fields.start_ticks);
    const exec = await waitFor(() => s.events.find((e) => e.pid === fork.pid && e.fields.event === 'exec'), 5000, 'child exec');
    expect(exec.fields).toMatchObject({ exe: '/usr/bin/true', argv: ['/bin/true', 'x'], start_ticks: fork.fields.start_ticks, truncated: 0 });
    const exit = await waitFor(() => s.events.find((e) => e.pid === fork.pid && e.fields.event === 'exit'), 5000, 'child exit');
    expect(exit.fields).toMatchObject({ exit_code: 0, ret: 0 });
  });

  it('reports a death by signal, and one exit for a process with threads', async () => {
    const killed = await run('sh', ['-c', 'kill -9 $$'], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === killed.pid && x.fields.event === 'exit'), 5000, 'killed exit');
    expect((e.fields.exit_code as number) & 0x7f).toBe(9);
    // node starts several threads: still exactly one fork-free process exit.
    const n = await run(process.execPath, ['-e', 'setTimeout(() => {}, 50)'], { uid: 1000 });
    await waitFor(() => s.events.find((x) => x.pid === n.pid && x.fields.event === 'exit'), 5000, 'node exit');
    await sleep(50);
    expect(s.events.filter((x) => x.pid === n.pid && x.fields.event === 'exit')).toHaveLength(1);
    expect(s.events.filter((x) => x.fields.event === 'fork' && x.fields.parent_pid === n.pid)).toHaveLength(0);
  });

  it('flags a cut argv and counts it once, as truncated', async () => {
    const before = s.engine.counters().find((c) => c.probe === 'procsnoop')!.losses.truncated;
    const tag = `long-argv-${process.pid}`;
    const r = await run('/bin/true', [tag, 'y'.repeat(2000)], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.event === 'exec'), 5000, 'the long exec');
    expect(e.fields.truncated).toBe(1);
    expect((e.fields.argv as string[])[1]).toBe(tag);
    expect(s.engine.counters().find((c) => c.probe === 'procsnoop')!.losses.truncated - before).toBe(1);
  });

  it('start_ticks match /proc/PID/stat field 22 of the same process', async () => {
    const p = spawn('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'sleep', '1']);
    const exec = await waitFor(() => s.events.find((e) => e.pid === p.pid && e.fields.event === 'exec' && e.comm === 'sleep'), 5000, 'sleep exec');
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'latin1');
    expect(exec.fields.start_ticks).toBe(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]));
    p.kill('SIGKILL');
  });
});
