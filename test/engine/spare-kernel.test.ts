import { afterEach, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilters } from '../../src/event/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from './kernel-session.js';

describeKernel('a detached probe kept loaded for its next attach (real kernel)', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup) c();
    cleanup = [];
  });

  it('re-attaching from the spare reports each event once, and nothing while detached', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-spare-'));
    const comm = `sp${process.pid % 100000}`;
    const sh = join(dir, comm);
    copyFileSync('/bin/dash', sh);
    const s = startSession(opensnoop, [`comm=${comm}`], { keepSpares: true, spareDelayMs: 0 });
    cleanup.push(() => s.engine.close(), () => rmSync(dir, { recursive: true, force: true }));
    s.engine.detach(opensnoop);
    await waitFor(() => s.engine.hasSpare(opensnoop), 20_000, 'the spare to load');
    const during = await run(sh, ['-c', ': < /etc/hostname']);

    s.engine.attach(opensnoop, parseFilters([`comm=${comm}`], [opensnoop]));
    expect(s.engine.hasSpare(opensnoop)).toBe(false);
    const n = 100;
    const r = await run(sh, ['-c', `i=0; while [ $i -lt ${n} ]; do : < /etc/hostname; i=$((i+1)); done; : < /etc/passwd`]);
    await waitFor(() => s.events.find((e) => e.pid === r.pid && e.fields.path === '/etc/passwd'), 5000, 'the last open');
    expect(s.events.filter((e) => e.pid === r.pid && e.fields.path === '/etc/hostname')).toHaveLength(n);
    expect(s.events.filter((e) => e.pid === during.pid)).toHaveLength(0);
  });
});
