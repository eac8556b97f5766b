import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFilters } from '../../src/event/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession, str } from '../engine/kernel-session.js';

describeKernel('opensnoop on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-open-'));
    writeFileSync(join(dir, 'target.txt'), 'x');
    s = startSession(opensnoop, [`path=${dir}/`]);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees an open with its path, flags and fd', async () => {
    const r = await run('cat', [join(dir, 'target.txt')]);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the open');
    expect(e.comm).toBe('cat');
    expect(e.fields).toMatchObject({ path: join(dir, 'target.txt'), raw_path: join(dir, 'target.txt'), syscall: 'openat' });
    expect(e.fields.ret as number).toBeGreaterThanOrEqual(3);
    expect((e.fields.flags as number) & 3).toBe(0); // O_RDONLY
  });

  it('never reports the engine’s own opens (excluded in the kernel)', async () => {
    readFileSync(join(dir, 'target.txt'));
    const r = await run('cat', [join(dir, 'target.txt')]);
    await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the child open');
    expect(s.events.filter((x) => x.pid === process.pid)).toHaveLength(0);
  });

  it('sees creation flags and resolves a relative path to an absolute one', async () => {
    const r = await run('sh', ['-c', 'echo hi > created.txt'], { cwd: dir });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && str(x.fields.raw_path) === 'created.txt'), 5000, 'the creat');
    expect(e.fields.path).toBe(join(dir, 'created.txt'));
    const O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000;
    expect((e.fields.flags as number) & (3 | O_CREAT | O_TRUNC)).toBe(O_WRONLY | O_CREAT | O_TRUNC);
  });

  // One program serves every open syscall and tells them apart by number: open and creat (x86_64 numbers 2 and 85) name their own.
  it.runIf(process.arch === 'x64')('tells open and creat apart from openat, with the flags each implies', async () => {
    const script = 'import ctypes, sys\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n' +
      'print(libc.syscall(2, sys.argv[1].encode(), 0), libc.syscall(85, sys.argv[2].encode(), 0o640))';
    const r = await run('python3', ['-c', script, join(dir, 'target.txt'), join(dir, 'by-creat')]);
    const [openFd, creatFd] = r.stdout.trim().split(' ').map(Number) as [number, number];
    expect([openFd, creatFd].every((fd) => fd >= 3), r.stdout + r.stderr).toBe(true);
    const open = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'open'), 5000, 'the open');
    expect(open.fields).toMatchObject({ path: join(dir, 'target.txt'), ret: openFd, flags: 0 });
    const creat = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'creat'), 5000, 'the creat');
    const O_WRONLY = 1, O_CREAT = 0o100, O_TRUNC = 0o1000;
    expect(creat.fields).toMatchObject({ path: join(dir, 'by-creat'), ret: creatFd, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640 });
  });

  it('reports a failed open with its errno, resolved against the cwd', async () => {
    const r = await run('cat', ['missing.txt'], { cwd: dir });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the failed open');
    expect(e.fields).toMatchObject({ raw_path: 'missing.txt', path: join(dir, 'missing.txt') });
  });

  it('applies path prefixes and failed in userspace, changing filters without a reload', async () => {
    s.engine.setFilters(opensnoop, parseFilters([`path=${dir}/`, 'failed'], [opensnoop]));
    const loads = s.attachment.attachMs;
    const ok = await run('cat', [join(dir, 'target.txt')]);
    const bad = await run('cat', [join(dir, 'nope.txt')]);
    await waitFor(() => s.events.find((x) => x.pid === bad.pid), 5000, 'the failed open');
    await sleep(50);
    expect(s.events.filter((x) => x.pid === ok.pid)).toHaveLength(0);
    expect(s.engine.attachment(opensnoop)!.attachMs).toBe(loads);
    expect(s.engine.counters().find((c) => c.probe === 'opensnoop')!.filtered).toBeGreaterThan(0);
  });
});
