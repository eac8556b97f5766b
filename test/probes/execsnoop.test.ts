import { afterAll, beforeAll, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession, str } from '../engine/kernel-session.js';

describeKernel('execsnoop on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(execsnoop, ['uid=1000']);
  });
  afterAll(() => s.engine.close());

  it('reports the attach point in use', () => {
    expect(s.attachment.attachPoints[0]).toMatch(/sched_process_exec$/);
  });

  it('sees an exec by uid 1000 with argv intact, and not the same exec by root', async () => {
    const marker = `m${process.pid}x${Date.now()}`;
    await run('/bin/true', [marker, 'root']);
    const r = await run('/bin/true', [marker, 'two words', '', 'é']  , { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && str(x.fields.filename) === '/bin/true'), 5000, 'the uid 1000 exec');
    expect(e).toMatchObject({ uid: 1000, gid: 1000, comm: 'true' });
    expect(e.fields).toMatchObject({ ret: 0, exe: '/usr/bin/true', argv: ['/bin/true', marker, 'two words', '', 'é'], argc: 5, truncated: 0, fileless: null });
    await sleep(50);
    expect(s.events.filter((x) => (x.fields.argv as string[]).includes('root') && (x.fields.argv as string[]).includes(marker))).toHaveLength(0);
  });

  it('fills the header as /proc shows the process: pid, parent, ids, comm, cgroup, pid namespace', async () => {
    const marker = `h${process.pid}x${Date.now()}`;
    const r = await run('/bin/true', [marker], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && (x.fields.argv as string[]).includes(marker)), 5000, 'the exec');
    expect(e).toMatchObject({ tid: r.pid, uid: 1000, gid: 1000, comm: 'true', nspid: r.pid, ppid: process.pid });
    expect(e.pidns).toBe(Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]));
    expect(e.cgroup).toBeGreaterThan(0);
  });

  it('fills the header of an exec in a new pid namespace: pid 1 there, its own namespace', async () => {
    const marker = `n${process.pid}x${Date.now()}`;
    const r = await run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', '--', 'unshare', '--user', '--pid', '--fork', '/bin/true', marker]);
    expect(r.code).toBe(0);
    const e = await waitFor(() => s.events.find((x) => str(x.fields.filename) === '/bin/true' && (x.fields.argv as string[]).includes(marker)), 5000, 'the exec in the new namespace');
    expect(e.nspid).toBe(1);
    expect(e.pid).not.toBe(1);
    expect(e.pidns).not.toBe(Number(/\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))![1]));
  });

  it('reports a failed exec with its error and what was passed', async () => {
    const r = await run('/nonexistent/ebpfsh-missing', ['arg1'], { uid: 1000 });
    expect(r.code).not.toBe(0);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the failed exec');
    expect(e.fields).toMatchObject({ filename: '/nonexistent/ebpfsh-missing', exe: '', argv: ['/nonexistent/ebpfsh-missing', 'arg1'] });
  });

  it('reports a failed execveat with its error and what was passed (the execve exit program, attached there too)', async () => {
    const code = `import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
path = b"/nonexistent/ebpfsh-missing-at"
argv = (ctypes.c_char_p * 3)(path, sys.argv[1].encode(), None)
libc.syscall(322, -100, path, argv, None, 0)  # execveat(AT_FDCWD, ...) on x86_64
sys.exit(3)`;
    const marker = `at${process.pid}x${Date.now()}`;
    const r = await run('/usr/bin/python3', ['-c', code, marker], { uid: 1000 });
    expect(r.code).toBe(3);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the failed execveat');
    expect(e.fields).toMatchObject({ filename: '/nonexistent/ebpfsh-missing-at', exe: '', argv: ['/nonexistent/ebpfsh-missing-at', marker], argc: 2 });
  });

  it('keeps very long argv truncated, flagged, with its original size', async () => {
    const long = 'x'.repeat(3000);
    const r = await run('/bin/true', [long, long], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === 0), 5000, 'the long exec');
    expect(e.fields.truncated).toBe(1);
    expect(e.fields.args_size).toBe('/bin/true'.length + 1 + 2 * 3001);
    const c = s.engine.counters().find((x) => x.probe === 'execsnoop')!;
    expect(c.losses.truncated).toBeGreaterThan(0);
  });

  it('resolves the exe of a renamed binary to its real path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-exec-'));
    try {
      const bin = join(dir, 'renamed-true');
      copyFileSync('/bin/true', bin);
      const r = await run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', bin]);
      const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === 0), 5000, 'the renamed exec');
      expect(e.fields.exe).toBe(bin);
      expect(e.comm).toBe('renamed-true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs python3 -c `code` as uid 1000 (what an intruder's own program would do). */
const py = (code: string, ...args: string[]) => run('/usr/bin/python3', ['-c', code, ...args], { uid: 1000 });
/** Execs /bin/true from python with exactly `env`, argv[1] = marker. */
const execWithEnv = (marker: string, env: Record<string, string>) =>
  py('import os,sys,json\nos.execve("/bin/true", ["true", sys.argv[1]], json.loads(sys.argv[2]))', marker, JSON.stringify(env));
/** Writes /bin/true into a memfd and execs it through /proc/self/fd/N (path) or execveat(fd, "", AT_EMPTY_PATH) (at). */
const FILELESS = `import os,sys,ctypes
fd = os.memfd_create("payload", 0 if sys.argv[1] == "path" else os.MFD_CLOEXEC)
os.write(fd, open("/bin/true", "rb").read())
argv = ["payload", sys.argv[2]]
if sys.argv[1] == "path":
    os.execve("/proc/self/fd/%d" % fd, argv, {"LD_PRELOAD": "/tmp/x.so"})
libc = ctypes.CDLL(None, use_errno=True)
a = (ctypes.c_char_p * 3)(*[x.encode() for x in argv], None)
e = (ctypes.c_char_p * 2)(b"LD_PRELOAD=/tmp/x.so", None)
libc.syscall(322, fd, b"", a, e, 0x1000)
sys.exit("execveat: errno %d" % ctypes.get_errno())`;

describeKernel('execsnoop on the real kernel: fileless execs and the environment', () => {
  let s: ReturnType<typeof startSession>;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-exec-'));
    chmodSync(dir, 0o777);
    s = startSession(execsnoop, ['uid=1000']);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // the exec python makes, not python's own (whose argv holds the marker too)
  const marked = (pid: number, marker: string) => () =>
    s.events.find((x) => x.pid === pid && x.fields.ret === 0 && !str(x.fields.exe).includes('python') && (x.fields.argv as string[]).includes(marker));

  it('flags an exec of a memfd through /proc/self/fd/N as fileless, with the memfd as exe', async () => {
    const marker = `f${process.pid}p`;
    const r = await py(FILELESS, 'path', marker);
    expect(r.code).toBe(0);
    const e = await waitFor(marked(r.pid, marker), 5000, 'the memfd exec');
    expect(e.fields).toMatchObject({ fileless: 'memfd', exe: '/memfd:payload', argv: ['payload', marker], env: ['LD_PRELOAD=/tmp/x.so'] });
    expect(str(e.fields.filename)).toMatch(/^\/proc\/self\/fd\/\d+$/);
    expect(execsnoop.describe(e)).toContain(' [fileless: ');
    expect(execsnoop.facets!.security!(e)).toMatchObject({ label: 'fileless exec' });
  });

  it('flags execveat(fd, "", AT_EMPTY_PATH) of a memfd (fexecve) as fileless', async () => {
    const marker = `f${process.pid}a`;
    const r = await py(FILELESS, 'at', marker);
    expect(r.stderr).not.toMatch(/execveat: errno/);
    const e = await waitFor(marked(r.pid, marker), 5000, 'the execveat exec');
    expect(e.fields).toMatchObject({ fileless: 'memfd', exe: '/memfd:payload', argv: ['payload', marker] });
    expect(str(e.fields.filename)).toMatch(/^\/dev\/fd\/\d+$/);
  });

  it('flags an exec of a file deleted after it was opened as fileless (deleted)', async () => {
    const marker = `f${process.pid}d`;
    const bin = join(dir, 'gone');
    copyFileSync('/bin/true', bin);
    chmodSync(bin, 0o755);
    const r = await py('import os,sys\nfd=os.open(sys.argv[1], os.O_RDONLY)\nos.unlink(sys.argv[1])\nos.execve("/proc/self/fd/%d" % fd, ["gone", sys.argv[2]], {})', bin, marker);
    expect(r.code).toBe(0);
    const e = await waitFor(marked(r.pid, marker), 5000, 'the deleted-file exec');
    expect(e.fields).toMatchObject({ fileless: 'deleted', exe: bin, env: [] });
  });

  it('keeps LD_PRELOAD (a missing library: the loader only warns), PATH and proxies, not other variables', async () => {
    const marker = `e${process.pid}x`;
    const r = await execWithEnv(marker, { HOME: '/nowhere', LD_PRELOAD: '/tmp/x.so', PATH: '/usr/bin:/bin', SECRET: 'no', https_proxy: 'http://10.0.0.1:3128' });
    expect(r.stderr).toMatch(/LD_PRELOAD cannot be preloaded/);
    const e = await waitFor(marked(r.pid, marker), 5000, 'the exec with env');
    expect(e.fields).toMatchObject({ env: ['LD_PRELOAD=/tmp/x.so', 'PATH=/usr/bin:/bin', 'https_proxy=http://10.0.0.1:3128'], env_cut: 0, truncated: 0, fileless: null });
    expect(execsnoop.describe(e)).toContain(' [LD_PRELOAD=');
    expect(execsnoop.facets!.security!(e)).toMatchObject({ label: 'preload' });
  });

  it('keeps a value of exactly 1024 bytes whole, and cuts and flags one of 1025', async () => {
    const marker = `e${process.pid}c`;
    const truncatedBefore = s.engine.counters().find((c) => c.probe === 'execsnoop')!.losses.truncated;
    const whole = 'w'.repeat(1024);
    const long = 'c'.repeat(1025);
    const r = await execWithEnv(marker, { LD_LIBRARY_PATH: whole, HTTP_PROXY: long, PATH: '/bin' });
    const e = await waitFor(marked(r.pid, marker), 5000, 'the exec with long values');
    expect(e.fields.env).toEqual([`LD_LIBRARY_PATH=${whole}`, `HTTP_PROXY=${'c'.repeat(1024)}`, 'PATH=/bin']);
    expect(e.fields).toMatchObject({ env_cut: 0b10, truncated: 1 });
    await waitFor(() => s.engine.counters().find((c) => c.probe === 'execsnoop')!.losses.truncated > truncatedBefore, 5000, 'the truncated count');
  });

  it('finds a wanted variable after a very long one (skipped, not mistaken for the end)', async () => {
    const marker = `e${process.pid}l`;
    const r = await execWithEnv(marker, { JUNK: 'j'.repeat(100_000), LD_AUDIT: '/tmp/audit.so' });
    const e = await waitFor(marked(r.pid, marker), 5000, 'the exec after a long variable');
    expect(e.fields).toMatchObject({ env: ['LD_AUDIT=/tmp/audit.so'], truncated: 0 });
  });
});

describeKernel('execsnoop on the real kernel: EBPFSH_EXEC_ENV', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    process.env.EBPFSH_EXEC_ENV = 'EBPFSH_TEST_VAR,LD_PRELOAD';
    try {
      s = startSession(execsnoop, ['uid=1000']);
    } finally {
      delete process.env.EBPFSH_EXEC_ENV;
    }
  });
  afterAll(() => s.engine.close());

  it('keeps the variables it names instead of the default list', async () => {
    const marker = `v${process.pid}x`;
    const r = await execWithEnv(marker, { PATH: '/bin', EBPFSH_TEST_VAR: 'hello world', EBPFSH_TEST_VARX: 'not this' });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && str(x.fields.exe) === '/usr/bin/true'), 5000, 'the exec');
    expect(e.fields.env).toEqual(['EBPFSH_TEST_VAR=hello world']);
  });
});
