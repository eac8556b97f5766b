import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, waitFor } from '../helpers/kernel.js';
import { BIN, OTHER_BIN } from '../helpers/recording.js';

function ebpfsh(args: string[], uid?: number) {
  const argv = uid !== undefined ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', OTHER_BIN, ...args] : [BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `ebpfsh record -w path execsnoop` and waits until it records. */
async function startRecorder(path: string): Promise<{ rec: ChildProcess; closed: Promise<unknown> }> {
  const rec = spawn(BIN, ['record', '-w', path, 'execsnoop'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  rec.stderr!.on('data', (d) => (err += d));
  const closed = new Promise((r) => rec.on('close', r));
  await waitFor(() => err.includes('Ctrl-C to stop'), 15_000, `the recorder to start (${err.trim()})`);
  return { rec, closed };
}

/** Claims no reader may make about events it cannot see. */
const UNCHECKED_CLAIMS = /every event the kernel produced was recorded|nothing lost/;

describeKernel('info on a capture that is still being recorded', () => {
  let dir: string;
  let live: { rec: ChildProcess; closed: Promise<unknown> } | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-unfinished-'));
    chmodSync(dir, 0o755);
  });
  afterAll(async () => {
    if (live && live.rec.exitCode === null) {
      live.rec.kill('SIGINT');
      await live.closed;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a copy of the .db without its -wal says it is still being written or copied without its -wal, and claims nothing about what it cannot see', async () => {
    const cap = join(dir, 'live.db');
    live = await startRecorder(cap);
    for (let i = 0; i < 5; i++) spawnSync('/bin/true', [`unfinished-${i}`]);
    await waitFor(() => existsSync(`${cap}-wal`), 10_000, 'the recorder to commit into its -wal');
    const copy = join(dir, 'copy.db');
    copyFileSync(cap, copy); // the .db only, as a responder in a hurry would
    chownSync(copy, 1000, 1000);

    const r = ebpfsh(['info', copy], 1000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('still being written, or copied without its -wal: copy both, or wait for the stop');
    expect(r.stdout).toMatch(new RegExp(`the recorder \\(pid ${live.rec.pid}\\) is still running on this host; no -wal beside this file`));
    expect(r.stdout).not.toMatch(/unclean stop|recorder died/);
    expect(r.stdout).not.toMatch(UNCHECKED_CLAIMS);
    expect(r.stdout).toMatch(/^events\s+.*so far in this file/m);
    expect(r.stdout).toMatch(/^integrity incomplete: chain of \d+ batches so far in this file, no manifest yet: the recording is not finalized/m);
    expect(r.stdout).toMatch(/^losses\s+recorded so far: none; events after the last commit, and their losses, are not in this file$/m);

    // export writes what the copy holds, and says on stderr that it is not the whole recording
    const ex = ebpfsh(['export', copy], 1000);
    expect(ex.code).toBe(0);
    expect(ex.stderr).toContain('is not finalized: still being written, or copied without its -wal: copy both, or wait for the stop');

    // The original, with its -wal beside it, read while the recorder runs: still recording, nothing missing from the file.
    const orig = ebpfsh(['info', cap]);
    expect(orig.code).toBe(0);
    expect(orig.stdout).toMatch(/the recorder \(pid \d+\) is still running on this host\n/);
    expect(orig.stdout).not.toMatch(UNCHECKED_CLAIMS);

    // Once stopped, the same file is whole and says so.
    live.rec.kill('SIGINT');
    await live.closed;
    const done = ebpfsh(['info', cap]);
    expect(done.stdout).toMatch(/stopped\s+cleanly/);
    expect(done.stdout).toMatch(/^losses\s+none: every event the kernel produced was recorded$/m);
  }, 60_000);

  it('a recorder that died leaves an unclean capture whose losses line claims no completeness', async () => {
    const cap = join(dir, 'died.db');
    const dead = await startRecorder(cap);
    spawnSync('/bin/true', ['died']);
    await waitFor(() => existsSync(`${cap}-wal`), 10_000, 'the recorder to commit into its -wal');
    dead.rec.kill('SIGKILL');
    await dead.closed;
    chownSync(cap, 1000, 1000);
    chownSync(`${cap}-wal`, 1000, 1000);
    const r = ebpfsh(['info', cap], 1000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING\s+unclean stop \(recorder died\)/);
    expect(r.stdout).not.toContain('copied without its -wal');
    expect(r.stdout).not.toMatch(UNCHECKED_CLAIMS);
    expect(r.stdout).toMatch(/^losses\s+recorded: none; events after the last commit may be missing$/m);
  }, 60_000);
});
