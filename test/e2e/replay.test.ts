import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { OTHER_BIN, UID_1000_LABEL, listener, recordWhile } from '../helpers/recording.js';

/** uid 1000 as the views show it (this host's name), as a regular expression. */
const UID_1000_RE = UID_1000_LABEL.replace(/[()]/g, '\\$&');
import { describeKernel, hasCommand, waitFor } from '../helpers/kernel.js';
import { sha256 } from '../store/helpers.js';
import { Tmux, readIfExists } from './tmux.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ebpfsh');
const AS_USER = 'setpriv --reuid=1000 --regid=1000 --clear-groups';
const sessions: Tmux[] = [];

afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

describeKernel('ebpfsh replay end to end (a real recording, replayed in tmux by an ordinary user)', () => {
  let dir: string;
  let copy: string;
  let server: Server;
  let port = 0;
  const tag = `replay${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-replay-e2e-'));
    chmodSync(dir, 0o755);
    const cap = join(dir, 'incident.db');
    server = await listener();
    port = (server.address() as { port: number }).port;
    // The workload's shell waits on its stdin until the recorder runs; following it (and only it) keeps other
    // tests' uid-1000 processes, running at the same time, out of the capture and off the end of the timeline.
    const script = `read go; cat /etc/hostname >/dev/null; /bin/true ${tag} 'two words'; /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port})).close()"`;
    const shell = spawn('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'sh', '-c', script], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise<number | null>((r) => shell.on('close', r));
    await recordWhile(cap, ['execsnoop,opensnoop,tcpconnect', 'uid=1000', `follow=${shell.pid}`], async () => {
      shell.stdin!.end('go\n');
      expect(await exited).toBe(0);
    });
    // The analyst's copy, owned by the analyst.
    copy = join(dir, 'copy.db');
    copyFileSync(cap, copy);
    chownSync(copy, 1000, 1000);
    mkdirSync(join(dir, 'home'));
    chownSync(join(dir, 'home'), 1000, 1000);
    writeFileSync(join(dir, 'notsqlite.db'), 'hello, I am not a capture\n');
    chmodSync(join(dir, 'notsqlite.db'), 0o644);
  }, 60_000);
  afterAll(() => {
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startReplay(file: string): Tmux {
    const t = new Tmux();
    sessions.push(t);
    t.start(`cd ${dir} && exec ${AS_USER} env HOME=${dir}/home EBPFSH_HISTORY=${dir}/home/history ${OTHER_BIN} replay ${file} 2>${dir}/home/stderr`);
    return t;
  }

  it('header and timeline first; play, seek, :filter, detail with ancestry from the capture, :query, :tree, then :quit; the file is unchanged', async () => {
    expect(hasCommand('tmux')).toBe(true);
    const before = sha256(copy);
    const t = startReplay('copy.db');
    const first = await t.waitFor(/paused (at|in) the /);
    const lines = first.split('\n');
    expect(lines[0]).toMatch(/^replay copy\.db │ host \S+ │ kernel \S+ │ \d{4}-\d\d-\d\d [\d:.]+ -> [\d:.]+/);
    expect(lines[1]).toMatch(/^stopped cleanly \(\w+\), nothing lost │ exec \d+, open \d+, connect \d+/);
    expect(first).toMatch(/❚❚ paused \(1x\) │ [\d:.]+ \(\d+%\)/);
    await t.waitFor(/execsnoop\s+[·█]+/);
    expect(t.screen()).toMatch(/tcpconnect\s+[·█]+/);
    expect(t.screen()).toMatch(/losses\/notes/);

    // play it all as fast as possible
    t.type(':play max');
    await t.waitFor('■ end of capture');
    expect(t.screen()).toMatch(/\(100%\)/);
    const CONNECT = /connect\s+\d+\s+\d+\s+1000 python3\s+127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+ ok/;
    await t.waitFor(CONNECT);

    // seek: to the start (an empty view), then to the end again, then relative
    t.type(':goto start');
    await t.waitFor(/at [\d:.]+ \(0%\)/);
    t.type(':goto end');
    await t.waitFor(/at [\d:.]+ \(100%\)/);
    await t.waitFor(CONNECT); // back-filled: the events just before the end
    t.type(':goto -10s');
    await t.waitFor(/at [\d:.]+ \(\d+%\)/);
    t.type(':goto end');
    await t.waitFor(CONNECT);

    // the same view filter as live
    t.type(':filter comm=true');
    await t.waitFor('view: comm=true');
    const filtered = t.screen();
    expect(filtered).toMatch(new RegExp(`exec\\s+\\d+\\s+\\d+\\s+1000 true\\s+0 /bin/true /bin/true ${tag} 'two words'`));
    expect(filtered).not.toMatch(/ python3 /);

    // detail pane: every field, ancestry from the capture's process table
    t.type(`/${tag}`);
    await t.waitFor(`/${tag}: found`);
    t.keys('Enter');
    const detail = await t.waitFor("ancestry (the capture's process table");
    expect(detail).toMatch(/execsnoop pid \d+/);
    expect(detail).toMatch(new RegExp(`\\[1\\] ${tag}`));
    expect(detail).toMatch(/\[2\] two words/);
    expect(detail).toMatch(/filename\s+\/bin\/true/);
    expect(detail).toMatch(new RegExp(`└─ \\d+ sh \\[uid ${UID_1000_RE}\\] sh -c`)); // the parent shell, from the process table
    t.keys('Escape');
    await t.waitFor('TIME');

    // :query against this capture, read-only
    t.type(`:query SELECT comm, count(*) > 0 AS established FROM connect WHERE dport = ${port} AND ret = 0 GROUP BY comm`);
    await t.waitFor('(1 row)');
    expect(t.screen()).toMatch(/^comm\s+established\s*$/m);
    expect(t.screen()).toMatch(/^python3\s+1\s*$/m);
    t.keys('q');
    t.type(':query DELETE FROM exec');
    await t.waitFor(/read-only/);

    // :tree of the parent shell, from the capture
    const pid = new RegExp(`\\n(\\d+) sh \\[uid ${UID_1000_RE}\\]|└─ (\\d+) sh \\[uid ${UID_1000_RE}\\]`).exec(detail);
    const shPid = pid?.[1] ?? pid?.[2];
    expect(shPid).toBeDefined();
    t.type(`:tree ${shPid}`);
    await t.waitFor('process and descendants:');
    expect(t.screen()).toMatch(new RegExp(`exec .*/bin/true .*${tag}`));
    t.keys('q');

    // live-only commands say so
    t.type(':attach execve uid=1000');
    await t.waitFor(':attach does not apply to a capture');
    t.type(':mark "x"');
    await t.waitFor(':mark does not apply to a capture');

    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    expect(readIfExists(join(dir, 'home/stderr'))).toMatch(/:quit: replay of copy\.db closed \(the capture is unchanged\)/);
    expect(sha256(copy)).toBe(before);
    expect(existsSync(`${copy}-wal`) || existsSync(`${copy}-shm`) || existsSync(`${copy}-journal`)).toBe(false);
    expect(readIfExists(join(dir, 'home/history'))).toContain(':play max\n');
  });

  it('Ctrl-C asks, a second Ctrl-C leaves and restores the terminal', async () => {
    const t = startReplay('copy.db');
    await t.waitFor(/paused (at|in) the /);
    expect(t.display('#{alternate_on}')).toBe('1');
    t.keys('C-c');
    await t.waitFor('press Ctrl-C again within 3 s (or :quit) to quit: the replay closes, the capture is unchanged');
    t.keys('C-c');
    expect(await t.waitExit()).toBe(0);
    expect(t.display('#{alternate_on}')).toBe('0');
  });

  it('a Ctrl-C pressed as the screen first appears asks too: raw mode is on before anything is drawn', async () => {
    const t = startReplay('copy.db');
    await t.waitFor(() => t.display('#{alternate_on}') === '1');
    t.keys('C-c');
    await t.waitFor('press Ctrl-C again within 3 s (or :quit) to quit');
    expect(t.display('#{pane_dead}')).toBe('0');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    expect(readIfExists(join(dir, 'home/stderr'))).toMatch(/:quit: replay of copy\.db closed/);
  });

  // Replay and the live shell share one lifecycle (src/tui/app.ts): the same signals end both the same way.
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s leaves, restores the terminal and says the capture is unchanged', async (sig, code) => {
    const t = startReplay('copy.db');
    await t.waitFor(/paused (at|in) the /);
    expect(t.display('#{alternate_on}')).toBe('1');
    process.kill(t.pid(), sig);
    expect(await t.waitExit()).toBe(code);
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(readIfExists(join(dir, 'home/stderr'))).toMatch(new RegExp(`${sig}: replay of .*copy\\.db closed \\(the capture is unchanged\\)`));
  });

  it('bad input: one clear line and a non-zero exit', async () => {
    const as = (args: string[], input?: string) => {
      const r = spawnSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', OTHER_BIN, ...args], { encoding: 'utf8', timeout: 20_000, input, cwd: dir });
      return { code: r.status, stderr: r.stderr };
    };
    const missing = as(['replay', join(dir, 'nope.db')]);
    expect(missing.code).not.toBe(0);
    const notSqlite = as(['replay', join(dir, 'notsqlite.db')]);
    expect(notSqlite.code).not.toBe(0);
    const noTty = as(['replay', copy], '');
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/^ebpfsh: replay needs a terminal .*ebpfsh query FILE/);
    // Each problem is one line, checked for a terminal first: run those two in tmux.
    for (const [file, msg] of [['nope.db', /nope\.db: no such file/], ['notsqlite.db', /not an ebpfsh capture \(not a SQLite database\)/]] as const) {
      // The status through a file: tmux's pane_dead_status sometimes reads 0 for a program that exits at once.
      const t = new Tmux();
      sessions.push(t);
      rmSync(join(dir, 'home/code'), { force: true });
      t.start(`cd ${dir} && ${AS_USER} env HOME=${dir}/home ${OTHER_BIN} replay ${file} 2>${dir}/home/stderr; echo $? > ${dir}/home/code`);
      await waitFor(() => readIfExists(join(dir, 'home/code')).trim(), 10_000, 'the exit status');
      expect(readIfExists(join(dir, 'home/code')).trim()).toBe('1');
      const err = readIfExists(join(dir, 'home/stderr'));
      expect(err).toMatch(msg);
      expect(err.trim().split('\n')).toHaveLength(1);
    }
  });
});
