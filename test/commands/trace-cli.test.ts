import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeKernel, waitFor } from '../helpers/kernel.js';
import { OTHER_BIN, traceWhile } from '../helpers/recording.js';

const BIN = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));

function ebpfsh(args: string[], opts: { uid?: number } = {}) {
  const argv = opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', OTHER_BIN, ...args] : [BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, prefixed, no stack trace. */
function expectOneClearLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ebpfsh: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('ebpfsh trace: bad input', () => {
  it('names the probes when one is unknown', () => {
    const r = ebpfsh(['trace', 'nosuch']);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr, /unknown probe 'nosuch' \(probes: execsnoop \(exec, execve\), opensnoop \(open\)/);
  });

  it('explains a malformed filter value and an unknown key', () => {
    expectOneClearLine(ebpfsh(['trace', 'exec', 'uid=abc']).stderr, /uid: 'abc' is not a number or a known name/);
    expectOneClearLine(ebpfsh(['trace', 'exec', 'colour=red']).stderr, /unknown filter key 'colour' \(keys: /);
    expectOneClearLine(ebpfsh(['trace', 'connect', 'dprot=80']).stderr, /unknown filter key 'dprot': did you mean dport\? \(keys: /);
    expectOneClearLine(ebpfsh(['trace', 'exec', 'dport=80']).stderr, /unknown filter key 'dport' \(keys: /);
    expectOneClearLine(ebpfsh(['trace', 'opn']).stderr, /unknown probe 'opn': did you mean open\? \(probes: /);
    expectOneClearLine(ebpfsh(['trace', 'forensik']).stderr, /unknown probe 'forensik': did you mean forensic\?/);
  });

  it('explains a clause on a key only some probes have: it applies to those, not to the others', () => {
    const r = ebpfsh(['trace', 'connect,open', 'path!=/usr/', 'uid=1000', '--explain'], { uid: 1000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('tcpconnect: path!=/usr/ (n/a: no path field) uid=1000 [kernel]\nopensnoop: path!=/usr/ [userspace] uid=1000 [kernel]\n');
  });

  it('says where each filter runs with --explain, without attaching', () => {
    const r = ebpfsh(['trace', 'open', 'uid=1000', 'path=/etc/', 'failed', '--explain'], { uid: 1000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('opensnoop: uid=1000 [kernel] path=/etc/ [userspace] failed [userspace]\n');
  });

  it('tells a user without privileges what to do, and exits non-zero', () => {
    const r = ebpfsh(['trace', 'exec'], { uid: 1000 });
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr, /cannot attach execsnoop: permission denied \(run as root, e.g. sudo ebpfsh, or grant CAP_BPF and CAP_PERFMON\)/);
  });

  it('rejects a bad --duration as usage', () => {
    const r = ebpfsh(['trace', 'exec', '--duration', 'soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ebpfsh: option '-d, --duration <seconds>' argument 'soon' is invalid. 'soon' is not a positive number/);
  });
});

describeKernel('ebpfsh trace on the real kernel', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-cli-'));
    bin = join(dir, 'evil-true');
    copyFileSync('/bin/true', bin);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));


  it('prints NDJSON with exact argv and stops after --count', async () => {
    const r = await traceWhile(['exec', 'comm=evil-true', '--json', '-n', '1'], () => spawnSync(bin, ['a b', 'c']));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ probe: 'execsnoop', comm: 'evil-true', ret: 0, argv: [bin, 'a b', 'c'], exe: bin });
    expect(r.stderr).toMatch(/execsnoop: 1 events, 0 filtered in userspace, losses: none/);
  });

  it('never lets an escape sequence or C1 control from argv reach the terminal', async () => {
    const hostile = ['\x1b[2J\x1b]0;owned\x07', 'x\u009b31my', '\u202eexe.txt', 'ok'];
    const r = await traceWhile(['exec', 'comm=evil-true', '-n', '1'], () => spawnSync(bin, hostile));
    const line = r.stdout.split('\n').find((l) => l.includes('evil-true'))!;
    expect(line).toContain('\\e[2J\\e]0;owned\\x07');
    expect(line).toContain('x\\u{9b}31my');
    expect(line).toContain('\\u{202e}exe.txt');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });

  it('trace -n 4: the summary counts what was printed, and says what else was received', async () => {
    const r = await traceWhile(['exec', 'comm=evil-true', '-n', '4'], () => {
      for (let i = 0; i < 30; i++) spawnSync(bin, [String(i)]);
    });
    expect(r.code).toBe(0);
    const printed = r.stdout.split('\n').filter((l) => l.includes('evil-true'));
    expect(printed).toHaveLength(4);
    const summary = /execsnoop: (\d+) events(?: printed of (\d+) received)?,/.exec(r.stderr);
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(4);
    if (summary![2] !== undefined) expect(Number(summary![2])).toBeGreaterThan(4);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`writes every line of a burst to a file when ${signal} comes right after it: nothing stays buffered`, async () => {
      const target = join(dir, `burst-${signal}`);
      writeFileSync(target, 'x');
      const outPath = join(dir, `burst-${signal}.txt`);
      const fd = openSync(outPath, 'w');
      const p = spawn(BIN, ['trace', 'open', `path=${target}`], { stdio: ['ignore', fd, 'pipe'] });
      closeSync(fd);
      let stderr = '';
      p.stderr!.on('data', (d) => (stderr += d));
      await waitFor(() => stderr.includes('Ctrl-C to stop'), 15_000, 'trace to attach');
      const opens = 5000;
      for (let i = 0; i < opens; i++) closeSync(openSync(target, 'r'));
      p.kill(signal);
      const code = await new Promise((r) => p.on('close', r));
      expect(code).toBe(0);
      const lines = readFileSync(outPath, 'utf8').split('\n').filter((l) => l.includes(target));
      // Every event the summary counts as received is in the file; the ring is shared with every open on the
      // machine, so a loss is possible on a busy host, but then it is said.
      const received = /opensnoop: (\d+) events[ ,]/.exec(stderr);
      expect(received, stderr).not.toBeNull();
      expect(lines).toHaveLength(Number(received![1]));
      if (!/losses: (?!none)| lost /.test(stderr)) expect(lines).toHaveLength(opens);
    });
  }

  it('stops with a summary when the pipe it writes to is closed early (| head -1)', async () => {
    const target = join(dir, 'pipe-closed');
    writeFileSync(target, 'x');
    const p = spawn(BIN, ['trace', 'open', `path=${target}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => (stdout += d));
    await waitFor(() => stderr.includes('Ctrl-C to stop'), 15_000, 'trace to attach');
    closeSync(openSync(target, 'r'));
    await waitFor(() => stdout.includes(target), 10_000, 'the first line');
    p.stdout.destroy();
    const closed = new Promise((r) => p.on('close', r));
    // Keeps opening until trace notices the closed pipe on a write (each batch is one write).
    let done = false;
    void closed.then(() => (done = true));
    await waitFor(() => {
      if (!done) for (let i = 0; i < 100; i++) closeSync(openSync(target, 'r'));
      return done;
    }, 15_000, 'trace to stop on the closed pipe');
    expect(await closed).toBe(0);
    expect(stderr).toMatch(/opensnoop: \d+ events/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits cleanly with a summary on SIGTERM', async () => {
    const p = spawn(BIN, ['trace', 'exec', 'comm=evil-true'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    await waitFor(() => stderr.includes('Ctrl-C to stop'), 10_000, 'trace to attach');
    p.kill('SIGTERM');
    const code = await new Promise((r) => p.on('close', r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/execsnoop: 0 events/);
  });
});
