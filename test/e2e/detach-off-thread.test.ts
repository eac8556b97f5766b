import { copyFileSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { Tmux } from './tmux.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ebpfsh');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** BPF link fds the process holds: the detached probe's links stay until its unload has run. */
function bpfLinks(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:bpf_link') n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describeKernel(':detach in the shell (tmux, real kernel)', () => {
  it('returns control and takes keys while the native unload is still in progress, and a re-attach at once works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-detach-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const comm = `dt${process.pid % 100000}`;
    const sh = join(dir, comm);
    copyFileSync('/bin/dash', sh);
    // The addon's test hook: the unload worker waits until this file exists.
    const gate = join(dir, 'gate');
    const t = new Tmux();
    cleanups.push(() => t.kill());
    t.start(`exec env EBPFSH_HISTORY= EBPFSH_TEST_UNLOAD_GATE=${gate} ${BIN} 2>${dir}/stderr`);
    await t.waitFor('no probe attached');
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(new RegExp(`opensnoop comm=${comm}`));
    const pid = t.pid();
    const attachedLinks = bpfLinks(pid);
    expect(attachedLinks).toBeGreaterThan(0);

    t.type(':detach open');
    await t.waitFor('detached opensnoop');
    // The unload has not run (the gate is closed): the links are still held, yet the prompt is back.
    expect(existsSync(gate)).toBe(false);
    expect(bpfLinks(pid)).toBe(attachedLinks);
    t.type(':filterxyz', false);
    await t.waitFor(/^:filterxyz\s*$/m);
    t.keys('Escape');
    await t.waitFor((s) => !s.includes(':filterxyz'));

    // Re-attach while the old load is still being unloaded: the new load's events show, each once.
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(/attached opensnoop/);
    const r = await run(sh, ['-c', ': < /etc/hostname']);
    const screen = await t.waitFor(new RegExp(`${r.pid} .*${comm}.*/etc/hostname`));
    expect(screen.split('\n').filter((l) => l.includes(`${comm}`) && l.includes('/etc/hostname'))).toHaveLength(1);

    writeFileSync(gate, '');
    // Released: the old load's links go; the re-attached probe's stay.
    await waitFor(() => bpfLinks(pid) === attachedLinks, 10_000, 'the old links to be destroyed');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 60_000);
});
