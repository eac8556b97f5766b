import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeKernel, run, waitFor } from '../../helpers/kernel.js';
import { BIN, UID_1000_LABEL, listener, recordWhile } from '../../helpers/recording.js';

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });

describeKernel('ebpfsh dash over a recorded capture, in tmux', () => {
  let dir: string;
  let cap: string;
  let server: Server;
  let workerPid = 0;
  let looperPid = 0;
  const comm = `opener${process.pid % 10000}`;
  const looper = `looper${process.pid % 10000}`;
  const kid = `kid${process.pid % 10000}`; // the loop's child: a cat of its own name, apart from other users of this machine
  const session = `ebpfsh-dash-${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-dash-'));
    chmodSync(dir, 0o755);
    cap = join(dir, 'dash.db');
    const bin = join(dir, comm);
    copyFileSync('/bin/dash', bin);
    copyFileSync('/bin/dash', join(dir, looper));
    copyFileSync('/usr/bin/cat', join(dir, kid));
    server = await listener();
    const port = (server.address() as { port: number }).port;
    // only this test's processes: other tests on the machine run as uid 1000 too
    await recordWhile(cap, ['opensnoop,tcpconnect', 'uid=1000', `comm=${comm},${looper},${kid},python3`], async () => {
      workerPid = (await run(bin, ['-c', 'i=0; while [ $i -lt 500 ]; do : < /etc/hostname; i=$((i+1)); done'], { uid: 1000 })).pid;
      // a forking loop: twenty children, a new pid each, one parent
      looperPid = (await run(join(dir, looper), ['-c', `i=0; while [ $i -lt 20 ]; do ${join(dir, kid)} /etc/hostname; i=$((i+1)); done`], { uid: 1000 })).pid;
      await run('/usr/bin/python3', ['-c', `import socket\nfor _ in range(3): socket.create_connection(('127.0.0.1', ${port})).close()`], { uid: 1000 });
    });
  }, 60_000);
  afterAll(() => {
    tmux('kill-session', '-t', session);
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the busiest process, the connections, then q leaves cleanly', async () => {
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '45', `${BIN} dash ${cap}; echo DASH-EXIT=$?; sleep 30`);
    const screen = await waitFor(() => {
      const s = tmux('capture-pane', '-t', session, '-p').stdout;
      return s.includes('recent outbound connections') && s.includes(`${comm}(${workerPid})`) ? s : undefined;
    }, 15_000, 'the dashboard');
    const top = screen.split('\n').find((l) => l.includes('top processes'));
    expect(top).toMatch(/top processes \[all\] by cmd\+parent \(g: per pid, p: probe\)/);
    const firstBar = screen.split('\n')[screen.split('\n').indexOf(top!) + 1]!;
    // the forking loop is one bar, first: its twenty children (each opening its libraries and locale) under their parent, named
    expect(firstBar).toMatch(new RegExp(`${kid} ×20 ← ${looper}\\(${looperPid}\\)\\s+█+`));
    // a process alone in its group keeps its pid
    expect(screen).toMatch(new RegExp(`${comm}\\(${workerPid}\\) ← [^█]+█+\\s+50[0-9]\\b`)); // 500 opens + the loader's
    // users by the recording host's name
    expect(screen).toMatch(new RegExp(`top users \\[all\\][\\s\\S]*${UID_1000_LABEL.replace(/[()]/g, '\\$&')}\\s+█+`));
    const connects = screen.split('\n').filter((l) => /python3\(\d+\)\s+127\.0\.0\.1:\d+\s+ok/.test(l));
    expect(connects).toHaveLength(3);
    expect(screen).toMatch(/127\.0\.0\.1:\d+/);

    // g: one bar per pid, and the title says so
    tmux('send-keys', '-t', session, 'g');
    const perPid = await waitFor(() => {
      const s = tmux('capture-pane', '-t', session, '-p').stdout;
      return /top processes \[all\] per pid \(g: by cmd\+parent, p: probe\)/.test(s) ? s : undefined;
    }, 10_000, 'the per-pid ranking');
    const lines = perPid.split('\n');
    const title = lines.findIndex((l) => l.includes('top processes'));
    expect(lines[title + 1]).toMatch(new RegExp(`${comm}\\(${workerPid}\\)\\s+█+\\s+50[0-9]\\b`));
    expect(perPid).toMatch(new RegExp(`${kid}\\(\\d+\\)\\s+█+`));
    expect(perPid).not.toMatch(/×20/);
    tmux('send-keys', '-t', session, 'q');
    const after = await waitFor(() => {
      const s = tmux('capture-pane', '-t', session, '-p').stdout;
      return s.includes('DASH-EXIT=') ? s : undefined;
    }, 10_000, 'the dashboard to exit');
    expect(after).toContain('DASH-EXIT=0');
    expect(after).not.toContain('recent outbound connections'); // the alternate screen is gone
  });

  it('says the terminal is too small instead of drawing a broken layout, and leaves when its terminal goes away', async () => {
    const small = `${session}-small`;
    tmux('new-session', '-d', '-s', small, '-x', '80', '-y', '20', `${BIN} dash ${cap}`);
    try {
      const s = await waitFor(() => {
        const t = tmux('capture-pane', '-t', small, '-p').stdout;
        return t.includes('terminal too small') ? t : undefined;
      }, 15_000, 'the too-small message');
      expect(s).toMatch(/80x20, need at least 100x30/);
      // The pane's process is ebpfsh itself (bin/ebpfsh execs node): after a hang-up it must end, not spin on EIO.
      const pid = Number(tmux('list-panes', '-t', small, '-F', '#{pane_pid}').stdout.trim());
      expect(pid).toBeGreaterThan(0);
      tmux('kill-session', '-t', small);
      await waitFor(() => !existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')), 10_000, 'ebpfsh dash to end after its terminal went away');
    } finally {
      tmux('kill-session', '-t', small);
    }
  });
});
