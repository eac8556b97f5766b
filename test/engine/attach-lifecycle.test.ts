import { afterEach, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilters } from '../../src/event/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession } from './kernel-session.js';

/** A copy of dash under a unique name, so comm= isolates this test's workload. */
function uniqueShell(): { bin: string; comm: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-life-'));
  const comm = `sh${process.pid % 100000}${Date.now() % 1000}`.slice(0, 15);
  const bin = join(dir, comm);
  copyFileSync('/bin/dash', bin);
  return { bin, comm, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describeKernel('attach, detach and losses on the real kernel', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });

  it('stops events on detach and starts them again on re-attach', async () => {
    const sh = uniqueShell();
    const s = startSession(execsnoop, [`comm=${sh.comm}`]);
    cleanup.push(() => s.engine.close(), sh.cleanup);
    const first = await run(sh.bin, ['-c', 'true']);
    await waitFor(() => s.events.find((e) => e.pid === first.pid), 5000, 'the first exec');

    s.engine.detach(execsnoop);
    expect(s.engine.attachments()).toHaveLength(0);
    const second = await run(sh.bin, ['-c', 'true']);
    await sleep(100);
    expect(s.events.find((e) => e.pid === second.pid)).toBeUndefined();

    s.engine.attach(execsnoop, parseFilters([`comm=${sh.comm}`], [execsnoop]));
    const third = await run(sh.bin, ['-c', 'true']);
    await waitFor(() => s.events.find((e) => e.pid === third.pid), 5000, 'the exec after re-attach');
  });

  it('a probe attached again at once reports each event once: the old load, still being torn down, stays silent', async () => {
    const sh = uniqueShell();
    const s = startSession(opensnoop, [`comm=${sh.comm}`]);
    cleanup.push(() => s.engine.close(), sh.cleanup);
    // detach hands the links to a child that releases them in its own exit: re-attach lands while they are still there
    s.engine.detach(opensnoop);
    s.engine.attach(opensnoop, parseFilters([`comm=${sh.comm}`], [opensnoop]));
    const n = 200;
    const r = await run(sh.bin, ['-c', `i=0; while [ $i -lt ${n} ]; do : < /etc/hostname; i=$((i+1)); done; : < /etc/passwd`]);
    await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.path === '/etc/passwd'), 5000, 'the last open');
    expect(s.events.filter((e) => e.pid === r.pid && e.fields.path === '/etc/hostname')).toHaveLength(n);
  });

  it('counts every event the ring could not hold while the reader is held back', async () => {
    const sh = uniqueShell();
    const n = 3000;
    const s = startSession(opensnoop, [`comm=${sh.comm}`], { ringBytes: 16 * 1024 });
    cleanup.push(() => s.engine.close(), sh.cleanup);
    s.engine.pauseReader(true);
    await sleep(30);
    const r = await run(sh.bin, ['-c', `i=0; while [ $i -lt ${n} ]; do : < /etc/hostname; i=$((i+1)); done`]);
    expect(r.code).toBe(0);
    s.engine.pauseReader(false);
    const lost = () => s.engine.counters().find((c) => c.probe === 'opensnoop')!.losses.ringbuf_full;
    // Delivered + counted lost accounts for every open the shell made.
    await waitFor(() => s.events.length + lost() >= n, 5000, 'events and losses to add up');
    await sleep(50);
    const delivered = s.events.filter((e) => e.pid === r.pid).length;
    expect(lost()).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(n);
    expect(delivered + lost()).toBeGreaterThanOrEqual(n);
    expect(delivered + lost()).toBeLessThanOrEqual(n + 10); // the loader's own opens
  });
});
