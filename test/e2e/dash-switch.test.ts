import { afterEach, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run } from '../helpers/kernel.js';
import { Tmux } from './tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describeKernel('the live shell’s :dash (tmux, real kernel)', () => {
  it('switches to the dashboard showing live data, and q returns to a shell that still takes commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-dashsw-'));
    const comm = `dashw${process.pid % 10000}`;
    const bin = join(dir, comm);
    copyFileSync('/bin/dash', bin);
    const t = new Tmux();
    cleanups.push(() => t.kill(), () => rmSync(dir, { recursive: true, force: true }));
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 150, 42);
    await t.waitFor('no probe attached');
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(new RegExp(`opensnoop comm=${comm}`));
    await run(bin, ['-c', 'i=0; while [ $i -lt 300 ]; do : < /etc/hostname; i=$((i+1)); done']);

    t.type(':dash');
    const dash = await t.waitFor(/top processes \[all\]/);
    // grouped by command and parent; the parent named from this host's /proc (it made no event)
    const parent = readFileSync('/proc/self/comm', 'utf8').trim().replace(/[^\w]/g, '\\$&');
    expect(dash).toMatch(new RegExp(`${comm}\\(\\d+\\) ← ${parent}\\(${process.pid}\\)\\s+█+\\s+30\\d`));
    // users by this host's names
    expect(dash).toMatch(/top users \[all\][\s\S]*root\(0\)\s+█+\s+30\d/);
    expect(t.display('#{alternate_on}')).toBe('1');

    t.keys('q');
    await t.waitFor('back from the dashboard');
    // One keystroke, one character: no input listener left behind by blessed.
    t.type(':probes', false);
    await t.waitFor(/^:probes\s*$/m);
    t.keys('Enter');
    await t.waitFor(new RegExp(`#1 opensnoop\\s+comm=${comm}`));
    t.keys('Escape');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  });

  it('restores the terminal and detaches on SIGTERM while the dashboard is up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-dashsig-'));
    const t = new Tmux();
    cleanups.push(() => t.kill(), () => rmSync(dir, { recursive: true, force: true }));
    t.start(`exec env EBPFSH_HISTORY= ${BIN} 2>${dir}/stderr`, 150, 42);
    await t.waitFor('no probe attached');
    t.type(':attach exec');
    await t.waitFor(/execsnoop .*\d/);
    t.type(':dash');
    await t.waitFor(/top processes \[all\]/);
    process.kill(t.pid(), 'SIGTERM');
    expect(await t.waitExit()).toBe(143);
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(readFileSync(join(dir, 'stderr'), 'utf8')).toMatch(/SIGTERM: detached 1 probe/);
  });
});
