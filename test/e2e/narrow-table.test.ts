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

/** The event table's header line on screen. */
const headerOf = (screen: string) => screen.split('\n').find((l) => /^TIME\s+PROBE/.test(l)) ?? '';

describeKernel('the event table on a narrow terminal (tmux, real kernel)', () => {
  it('at 60x15 keeps DETAIL (PPID and UID give way); widened to 160 it shows PPID and UID again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-narrow-'));
    const comm = `narrow${process.pid % 10000}`;
    const bin = join(dir, comm);
    copyFileSync('/usr/bin/cat', bin);
    const t = new Tmux();
    cleanups.push(() => t.kill(), () => rmSync(dir, { recursive: true, force: true }));
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 60, 15);
    await t.waitFor('no probe attached');
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(/opensnoop comm=/);
    await run(bin, ['/etc/hostname']);
    const narrow = await t.waitFor(new RegExp(`^\\S+ +open +\\d+ ${comm} +3 /etc/hostname`, 'm'));
    const header = headerOf(narrow);
    expect(header).toMatch(/^TIME +PROBE +PID COMM +DETAIL/);
    expect(header).not.toMatch(/PPID|UID/);
    for (const line of narrow.split('\n')) expect([...line].length).toBeLessThanOrEqual(60);

    t.resize(160, 40);
    const wide = await t.waitFor((s) => /PPID/.test(headerOf(s)));
    expect(headerOf(wide)).toMatch(/^TIME +PROBE +PID +PPID +UID COMM +DETAIL/);
    expect(wide).toMatch(new RegExp(`^\\S+ +open +\\d+ +\\d+ +0 ${comm} +3 /etc/hostname`, 'm'));
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 60_000);
});
