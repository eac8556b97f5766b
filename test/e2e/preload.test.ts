import { copyFileSync, existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
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

/** BPF fds of one kind ('bpf-prog', 'bpf_link') the process holds. */
function bpfFds(pid: number, kind: string): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `anon_inode:${kind}`) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

const pinned = () => (existsSync('/sys/fs/bpf') ? readdirSync('/sys/fs/bpf').sort() : []);

describeKernel('probes loaded ahead at the shell start (tmux, real kernel)', () => {
  it('loads programs without attaching any, and quits cleanly while still loading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-preload-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pins = pinned();
    const t = new Tmux();
    cleanups.push(() => t.kill());
    t.start(`exec env EBPFSH_HISTORY= ${BIN} 2>${dir}/stderr`);
    await t.waitFor('no probe attached');
    const pid = t.pid();
    await waitFor(() => bpfFds(pid, 'bpf-prog') > 0, 30_000, 'a first probe loaded ahead');
    // loaded, never attached
    expect(bpfFds(pid, 'bpf_link')).toBe(0);
    expect(t.screen()).toContain('no probe attached');
    t.type(':quit');
    expect(await t.waitExit(20_000)).toBe(0);
    expect(pinned()).toEqual(pins);
  }, 60_000);

  it('a first :attach at once after the prompt shows its events, and nothing from before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-preload-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const comm = `pa${process.pid % 100000}`;
    const sh = join(dir, comm);
    copyFileSync('/bin/dash', sh);
    const t = new Tmux();
    cleanups.push(() => t.kill());
    t.start(`exec env EBPFSH_HISTORY= ${BIN} 2>${dir}/stderr`);
    await t.waitFor('no probe attached');
    const before = await run(sh, ['-c', ': < /etc/hostname']);
    // at once: its load ahead is queued, under way or done, whichever this machine's speed makes it
    t.type(`:attach open comm=${comm}`);
    await t.waitFor(/attached opensnoop/, 30_000);
    const r = await run(sh, ['-c', ': < /etc/hostname']);
    const screen = await t.waitFor(new RegExp(`${r.pid} .*${comm}.*/etc/hostname`));
    expect(screen.split('\n').filter((l) => l.includes(comm) && l.includes('/etc/hostname'))).toHaveLength(1);
    expect(screen).not.toContain(`${before.pid} `);
    t.type(':quit');
    expect(await t.waitExit(20_000)).toBe(0);
  }, 60_000);
});
