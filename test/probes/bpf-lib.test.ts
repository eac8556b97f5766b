import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';

// bpf/lib/ read through opensnoop: the header (event.h), the path walk
// (path.h: inline names copied by word, longer ones by helper, mounts
// crossed) and the per-thread pending slots (pending.h).
describeKernel('bpf/lib on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  const inline39 = 'i'.repeat(39); // the longest name the dentry holds inline
  const external40 = 'e'.repeat(40); // the shortest one it keeps outside
  const long200 = 'l'.repeat(200);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-lib-'));
    mkdirSync(join(dir, inline39, external40, long200), { recursive: true });
    writeFileSync(join(dir, inline39, external40, long200, 'x'), 'x');
    writeFileSync(join(dir, 'a'), 'x');
    s = startSession(opensnoop, ['comm=cat']);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const openOf = (pid: number, path: string) => s.events.find((e) => e.pid === pid && str(e.fields.raw_path) === path);

  it('walks the opened file back to / through inline, 40-byte and 200-byte names', async () => {
    const target = join(dir, inline39, external40, long200, 'x');
    const r = await run('cat', [target]);
    const e = await waitFor(() => openOf(r.pid, target), 5000, 'the open');
    expect(str(e.fields.path)).toBe(target);
    expect(e.fields.truncated).toBe(0);
  });

  it('walks across mounts: a file under /proc and a device under /dev', async () => {
    const r = await run('cat', ['/proc/version', '/dev/null']);
    const proc = await waitFor(() => openOf(r.pid, '/proc/version'), 5000, 'the /proc open');
    const dev = await waitFor(() => openOf(r.pid, '/dev/null'), 5000, 'the /dev open');
    expect(str(proc.fields.path)).toBe('/proc/version');
    expect(str(dev.fields.path)).toBe('/dev/null');
  });

  it('cuts an opened file’s path deeper than PATH_MAX at a component, keeping its tail, and flags it', async () => {
    // 21 directories of 200 bytes: the file's path is ~4.2 KB, longer than any path the kernel takes,
    // so it is made and opened relatively, from inside (cat runs in the deepest directory)
    const names = Array.from({ length: 21 }, (_, i) => `d${String(i).padStart(2, '0')}`.padEnd(200, 'd'));
    const script = [
      'import os, subprocess, sys',
      'os.chdir(sys.argv[1])',
      'for n in sys.argv[2:]:',
      '    os.mkdir(n)',
      '    os.chdir(n)',
      "open('deep', 'w').close()",
      "subprocess.run(['cat', 'deep'], check=True)",
    ].join('\n');
    const r = await run('python3', ['-c', script, dir, ...names]);
    expect(r.code, r.stderr).toBe(0);
    const e = await waitFor(() => s.events.find((x) => x.ppid === r.pid && str(x.fields.raw_path) === 'deep'), 5000, 'the deep open');
    const full = [dir, ...names, 'deep'].join('/');
    const path = str(e.fields.path);
    expect(e.fields.truncated).toBe(1);
    expect(path.startsWith('/')).toBe(true);
    expect(full.endsWith(path)).toBe(true);
    expect(path.length).toBeLessThanOrEqual(4095);
    expect(path.length).toBeGreaterThan(4095 - 202); // cut only where the next 200-byte name no longer fits
    // python's rmtree walks by directory fd: it can remove what no single path names
    await run('python3', ['-c', 'import shutil, sys; shutil.rmtree(sys.argv[1])', join(dir, names[0]!)]);
  });

  it('makes a one-letter relative name absolute without disturbing the path around it', async () => {
    const r = await run('cat', ['a'], { cwd: dir });
    const e = await waitFor(() => openOf(r.pid, 'a'), 5000, 'the open');
    expect(str(e.fields.path)).toBe(join(dir, 'a'));
  });

  it('fills the header of a host process: its pid, parent and the host pid namespace', async () => {
    const r = await run('sh', ['-c', `cat ${join(dir, 'a')}; true`]);
    const e = await waitFor(() => s.events.find((x) => x.ppid === r.pid && str(x.fields.raw_path) === join(dir, 'a')), 5000, 'the open');
    expect(e.nspid).toBe(e.pid);
    expect(e.pidns).toBe(Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]));
    expect(e.uid).toBe(0);
  });

  it('fills the header of another user: its uid, gid, comm and cgroup id', async () => {
    // the test directory is 0700: the open fails, and is reported all the same
    const r = await run('cat', [join(dir, 'a')], { uid: 1000 });
    const e = await waitFor(() => openOf(r.pid, join(dir, 'a')), 5000, 'the open');
    expect(e.fields.ret).toBe(-13);
    expect(e).toMatchObject({ uid: 1000, gid: 1000, comm: 'cat', tid: r.pid });
    // cat stays in this process's cgroup; a cgroup v2 id is its directory's inode
    const cg = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    const mount = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((m) => {
      try {
        return statSync(join(m, 'cgroup.procs')).isFile();
      } catch {
        return false;
      }
    });
    if (cg !== undefined && mount) expect(e.cgroup).toBe(statSync(join(mount, cg)).ino);
  });

  it('fills the header of a process in a new pid namespace: pid 1 there, its own namespace', async () => {
    const r = await run('unshare', ['--pid', '--fork', 'cat', join(dir, 'a')]);
    expect(r.code).toBe(0);
    const e = await waitFor(() => s.events.find((x) => x.ppid === r.pid && str(x.fields.raw_path) === join(dir, 'a')), 5000, 'the open');
    expect(e.nspid).toBe(1);
    expect(e.pid).not.toBe(1);
    expect(e.pidns).not.toBe(Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]));
  });

  it('keeps concurrent opens apart: each of 200 good and 200 failed opens from four processes at once is reported once, with its own result', async () => {
    const good = join(dir, 'b');
    const bad = join(dir, 'missing');
    writeFileSync(good, 'x');
    const script = `for i in 1 2 3 4; do (for j in $(seq 50); do cat ${good} ${bad} 2>/dev/null; done) & done; wait`;
    await run('sh', ['-c', script]);
    const of = (p: string) => s.events.filter((x) => str(x.fields.raw_path) === p);
    await waitFor(() => of(good).length >= 200 && of(bad).length >= 200, 10_000, '200 opens of each file');
    expect(of(good)).toHaveLength(200);
    expect(of(bad)).toHaveLength(200);
    expect(of(good).every((x) => (x.fields.ret as number) >= 0 && str(x.fields.path) === good)).toBe(true);
    expect(of(bad).every((x) => x.fields.ret === -2)).toBe(true);
  });
});
