import { afterEach, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run } from '../helpers/kernel.js';
import { Tmux } from './tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describeKernel('the noise toggle in the live shell (tmux, real kernel)', () => {
  it(':noise off folds the shared-library opens of a process start, keeps its own file, and the status line counts them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-noise-'));
    const comm = `noise${process.pid % 10000}`;
    const bin = join(dir, comm);
    copyFileSync('/usr/bin/cat', bin);
    const t = new Tmux();
    cleanups.push(() => t.kill(), () => rmSync(dir, { recursive: true, force: true }));
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 160, 40);
    await t.waitFor('no probe attached');
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(/opensnoop comm=/);
    await run(bin, ['/etc/hostname']);
    await t.waitFor(/libc\.so\.6/);
    t.type(':noise off');
    await t.waitFor(/noise off \(\d+ folded\)/);
    t.type(':clear');
    await t.waitFor('cleared');
    await run(bin, ['/etc/hostname']);
    const screen = await t.waitFor(new RegExp(`${comm} .*/etc/hostname`));
    expect(screen).not.toMatch(/libc\.so\.6/);
    expect(Number(/noise off \((\d+) folded\)/.exec(screen)?.[1])).toBeGreaterThan(0);
    t.type(':noise on');
    await t.waitFor('noise shown');
    expect(await t.waitFor(/libc\.so\.6/)).not.toMatch(/folded/);
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 60_000);
});
