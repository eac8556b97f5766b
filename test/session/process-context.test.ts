import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import { LocalListeners, ProcessBook } from '../../src/session/index.js';
import { CgroupPaths } from '../../src/proc/index.js';
import { lifetimeText, cwdText } from '../../src/commands/shell/index.js';

let ts = 9_000_000_000;
const base = (pid: number, probe: string, fields: TraceEvent['fields'], comm = 'x'): TraceEvent => ({
  ts: (ts += 1_000_000), kind: 0, pid, tid: pid, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 1, nspid: pid, comm, probe, fields,
});
const lifecycle = (pid: number, event: 'fork' | 'exit', extra: TraceEvent['fields'] = {}) =>
  base(pid, 'procsnoop', { event, start_ticks: 500, parent_pid: 1, parent_start_ticks: 1, exit_code: 0, ...extra });
const exit = (pid: number, status: number, thread = 0) => base(pid, 'exitsnoop', { ret: -1, code: status >> 8, sig: status & 0x7f, core: 0, thread, exit_code: status, lifetime_us: 5, start_ticks: 500 });
const listen = (pid: number, laddr: string, lport: number, comm = 'server') =>
  base(pid, 'listen', { ret: 0, fd: 3, backlog: 8, family: laddr.includes(':') ? 'ipv6' : 'ipv4', type: 'stream', protocol: 'tcp', laddr, lport }, comm);
const connect = (pid: number, daddr: string, dport: number, ret = 0) =>
  base(pid, 'tcpconnect', { ret, ipver: daddr.includes(':') ? 6 : 4, saddr: '127.0.0.1', sport: 40000, daddr, dport, latency_us: 10 }, 'client');

/** A fake /proc with one process (stat, status, cwd link). */
function fakeProc(): string {
  const root = mkdtempSync(join(tmpdir(), 'ebpfsh-ctxproc-'));
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net/tcp'), 'header\n');
  writeFileSync(join(root, 'net/tcp6'), 'header\n');
  return root;
}
function addProcess(root: string, pid: number, cwd: string, startTicks = 500): void {
  const d = join(root, String(pid));
  mkdirSync(join(d, 'fd'), { recursive: true });
  writeFileSync(join(d, 'stat'), `${pid} (srv) S 1 ${Array.from({ length: 17 }, () => '0').join(' ')} ${startTicks} 0\n`);
  writeFileSync(join(d, 'status'), 'Uid:\t1000\t1000\t1000\t1000\n');
  symlinkSync(cwd, join(d, 'cwd'));
}

describe('the live process book: lifetime and working directory', () => {
  it('takes the start from a fork event and the end from an exit event, with the status described', () => {
    const book = new ProcessBook(fakeProc(), undefined, new CgroupPaths(null));
    const fork = lifecycle(300, 'fork');
    book.note([fork, exit(300, 0x0300)]);
    const p = book.get(300)!;
    expect(p.startNs).toBe(fork.ts);
    expect(book.stateOf(p)).toEqual({ state: 'exited', exitNs: p.exitNs, status: 0x300 });
    expect(lifetimeText(p, book, { offsetNs: 0 }, true)).toMatch(/^started \S+, exited \S+ exit 3 \(status 0x300\) after 1ms$/);
  });

  it('a thread exit does not end the process; a lifecycle exit with a killing signal does', () => {
    const book = new ProcessBook(fakeProc(), undefined, new CgroupPaths(null));
    book.note([lifecycle(301, 'fork'), exit(301, 9, 1)]);
    expect(book.get(301)!.exitNs).toBeUndefined();
    book.note([lifecycle(301, 'exit', { exit_code: 9 })]);
    expect(lifetimeText(book.get(301)!, book, { offsetNs: 0 }, true)).toContain('killed by SIGKILL');
  });

  it('reads the working directory once, when first seen, and keeps it after the process is gone; unknown when gone before', () => {
    const root = fakeProc();
    addProcess(root, 302, '/srv/app\x1b[2J');
    const book = new ProcessBook(root, undefined, new CgroupPaths(null));
    book.note([base(302, 'opensnoop', {})]);
    expect(book.get(302)!.cwd).toBe('/srv/app\x1b[2J');
    expect(cwdText(book.get(302)!, true)).not.toContain('\x1b');
    book.note([base(303, 'opensnoop', {})]); // not in /proc: already gone
    expect(cwdText(book.get(303)!, true)).toBe('unknown (gone before it could be read)');
    expect(lifetimeText(book.get(303)!, book, { offsetNs: 0 }, true)).toMatch(/gone: its exit was not seen/);
    expect(lifetimeText(book.get(302)!, book, { offsetNs: 0 }, true)).toMatch(/^started \S+, running$/);
  });

  it('an event after the exit of a pid begins a new process (pid reuse): its old cwd and end are not carried over', () => {
    const root = fakeProc();
    addProcess(root, 304, '/old');
    const book = new ProcessBook(root, undefined, new CgroupPaths(null));
    book.note([base(304, 'opensnoop', {}), exit(304, 0)]);
    book.note([base(304, 'opensnoop', {})]);
    expect(book.get(304)!.exitNs).toBeUndefined();
  });
});

describe('who listens at the local end of a connect', () => {
  it('names the listener seen in a listen event, and only for local destinations', () => {
    const l = new LocalListeners(fakeProc());
    const c = connect(500, '127.0.0.1', 8080);
    const far = connect(500, '192.0.2.7', 8080);
    l.note([listen(400, '0.0.0.0', 8080), c, far]);
    expect(l.peerOf(c)).toEqual({ owners: [{ pid: 400, comm: 'server', uid: 1000, addr: '0.0.0.0', port: 8080, from: { event: expect.any(Number) } }] });
    expect(l.peerOf(far)).toBeUndefined();
  });

  it('falls back to /proc at connect time: the listening inode, then the process holding it', () => {
    const root = fakeProc();
    writeFileSync(join(root, 'net/tcp'), 'h\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0 100 0 0 10 0\n');
    addProcess(root, 401, '/');
    symlinkSync('socket:[4242]', join(root, '401/fd/3'));
    const l = new LocalListeners(root);
    const c = connect(500, '127.0.0.1', 8080);
    l.note([c]);
    expect(l.peerOf(c)).toEqual({ owners: [{ pid: 401, comm: 'srv', uid: 1000, addr: '127.0.0.1', port: 8080, from: 'proc' }] });
  });

  it('says no local listener was found when none listens, and when the connect was refused', () => {
    const l = new LocalListeners(fakeProc());
    const none = connect(500, '::1', 9999);
    const refused = connect(500, '127.0.0.1', 8080, -111);
    l.note([listen(400, '127.0.0.1', 8080), none, refused]); // the listener closed before the refused connect
    expect(l.peerOf(none)).toEqual({ none: expect.stringMatching(/^no local listener found on port 9999/) });
    expect(l.peerOf(refused)).toEqual({ none: 'no local listener found on port 8080 (the connection was refused)' });
  });
});

describe('process context text is escaped', () => {
  it('a hostile cgroup directory name reaches the pane as visible escapes, and a non-hex "container" is not named', async () => {
    const { cgroupText } = await import('../../src/commands/shell/index.js');
    const { statSync } = await import('node:fs');
    const root = mkdtempSync(join(tmpdir(), 'ebpfsh-cgtext-'));
    const name = 'docker-\x1b]0;pwned\x07\u202e.scope';
    mkdirSync(join(root, name));
    const book = new ProcessBook(fakeProc(), undefined, new CgroupPaths(root));
    const text = cgroupText(Number(statSync(join(root, name)).ino), book, true);
    expect(text).not.toMatch(/[\x1b\x07\u202e]/);
    expect(text).toMatch(/^\/docker-\\e\]0;pwned\\x07\\u\{202e\}\.scope \(id \d+\)$/);
  });
});
