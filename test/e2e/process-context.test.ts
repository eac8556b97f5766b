import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { Tmux } from './tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
afterAll(() => rmSync(links, { recursive: true, force: true }));

/** Starts a long-running child and registers its cleanup. */
function start(cmd: string, args: string[], opts: { cwd?: string } = {}): ChildProcess {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
  cleanups.push(() => p.kill('SIGKILL'));
  return p;
}

// node through symlinks of their own names: the kernel takes comm from the name exec'd, so a filter on it sees
// only this test's processes however many other tests connect meanwhile.
const LISTENER = `lsn${process.pid % 100000}`;
const CLIENT = `cli${process.pid % 100000}`;
const links = mkdtempSync(join(tmpdir(), 'ebpfsh-node-'));
for (const name of [LISTENER, CLIENT]) symlinkSync(process.execPath, join(links, name));

/** A node process listening on 127.0.0.1 (an ephemeral port); resolves with it and the port. */
async function nodeListener(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = start(join(links, LISTENER), ['-e', "const s=require('net').createServer(c=>c.end()).listen(0,'127.0.0.1',()=>console.log(s.address().port))"]);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const port = await waitFor(() => Number(/^(\d+)\n/.exec(out)?.[1]) || undefined, 10_000, 'the listener to print its port');
  return { proc, port };
}

/** Connects to 127.0.0.1:port from a fresh node process (which ends at once). */
const connectTo = (port: number) => run(join(links, CLIENT), ['-e', `const s=require('net').connect(${port},'127.0.0.1');s.on('connect',()=>s.end());s.on('error',()=>{})`]);

describeKernel('process context in the live shell (tmux, real kernel)', () => {
  it('the detail pane shows a process\'s lifetime with its exit status, its working directory, and its cgroup as a path with the container id it names', async () => {
    // cgroup2's root: alone at /sys/fs/cgroup, or beside v1 at /sys/fs/cgroup/unified (hybrid).
    const root = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'].find((d) => existsSync(join(d, 'cgroup.controllers')));
    expect(root, 'cgroup2 must be mounted for this test').toBeDefined();
    const id = randomBytes(32).toString('hex');
    const parent = join(root!, `ebpfsh-test-${process.pid}.slice`);
    const cg = join(parent, `docker-${id}.scope`);
    mkdirSync(cg, { recursive: true });
    cleanups.push(() => {
      rmdirSync(cg);
      rmdirSync(parent);
    });
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-cwd-'));
    chmodSync(dir, 0o755);
    const comm = `ctx${process.pid % 100000}`;
    const bin = join(dir, comm);
    copyFileSync('/usr/bin/sleep', bin);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const t = new Tmux();
    cleanups.push(() => t.kill());
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 200, 50);
    await t.waitFor('no probe attached', 30_000);
    t.type(`:attach exec,exit comm=${comm}`);
    await t.waitFor(/attached exitsnoop/, 30_000); // a loaded machine attaches slowly
    // The process joins the container's cgroup and changes directory, then becomes the traced program.
    const sleeper = start('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && cd ${dir} && exec ${bin} 60`]);
    await t.waitFor(new RegExp(`exec .* ${comm} `));
    t.keys('Enter');
    const running = await t.waitFor(/^life /m);
    expect(running).toMatch(new RegExp(`^cwd ${dir}$`, 'm'));
    expect(running).toMatch(new RegExp(`cgroup /ebpfsh-test-${process.pid}\\.slice/docker-${id}\\.scope \\(id \\d+\\)  container docker ${id.slice(0, 12)}$`, 'm'));
    expect(running).toMatch(/^life started \d\d:\d\d:\d\d\.\d{3}, running$/m);
    expect(running).not.toMatch(/cgroup \d+ /);
    t.keys('Escape');
    sleeper.kill('SIGTERM');
    await t.waitFor(new RegExp(`exit .* ${comm} `));
    t.keys('Enter');
    const ended = await t.waitFor(/^life .*exited/m);
    expect(ended).toMatch(/^life started \d\d:\d\d:\d\d\.\d{3}, exited \d\d:\d\d:\d\d\.\d{3} killed by SIGTERM \(status 0xf\) after \d/m);
    expect(ended).toMatch(new RegExp(`^cwd ${dir}$`, 'm')); // read while it lived, kept after
    t.keys('Escape');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 90_000);

  it('a connect to 127.0.0.1 names the local process listening on that port (row marker and detail), from /proc and from listen events, and says when none listens', async () => {
    const t = new Tmux();
    cleanups.push(() => t.kill());
    const quiet = await nodeListener(); // listening before the shell starts: only /proc knows it
    t.start(`exec env EBPFSH_HISTORY= ${BIN}`, 220, 50);
    await t.waitFor('no probe attached', 30_000);
    t.type(`:attach connect,listen comm=${LISTENER},${CLIENT}`);
    await t.waitFor(/attached listen/, 30_000);
    await connectTo(quiet.port);
    const row = await t.waitFor(new RegExp(`-> 127\\.0\\.0\\.1:${quiet.port} ok .*⇄ ${quiet.proc.pid} ${LISTENER}`));
    expect(row).toBeTruthy();
    t.keys('Enter');
    const detail = await t.waitFor('local connection');
    expect(detail).toMatch(new RegExp(`pid ${quiet.proc.pid} ${LISTENER} \\[uid root\\(0\\)\\] listening on 127\\.0\\.0\\.1:${quiet.port} \\(from /proc at connect time\\)`));
    t.keys('Escape');

    // A listener that starts while the shell watches is known from its listen event.
    const seen = await nodeListener();
    await t.waitFor(new RegExp(`listen .*127\\.0\\.0\\.1:${seen.port}`));
    await connectTo(seen.port);
    await t.waitFor(new RegExp(`-> 127\\.0\\.0\\.1:${seen.port} ok .*⇄ ${seen.proc.pid} ${LISTENER}`));
    t.keys('Enter');
    const fromEvent = await t.waitFor(new RegExp(`pid ${seen.proc.pid} ${LISTENER} .* \\(from listen/accept event at \\d\\d:`));
    expect(fromEvent).toContain('local connection: this host is the other end, listened on by');
    t.keys('Escape');

    // Nobody listens on a port that was just closed.
    quiet.proc.kill('SIGKILL');
    await waitFor(() => quiet.proc.exitCode !== null || quiet.proc.signalCode !== null, 10_000, 'the first listener to end');
    await connectTo(quiet.port);
    await t.waitFor(new RegExp(`-> 127\\.0\\.0\\.1:${quiet.port} ECONNREFUSED .*⇄ no local listener`));
    t.keys('Enter');
    await t.waitFor(`no local listener found on port ${quiet.port}`);
    t.keys('Escape');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
  }, 90_000);
});
