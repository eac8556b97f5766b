import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { SOCK_AF_INET, SOCK_AF_INET6, SOCK_AF_UNIX, SOCK_FL_CLOEXEC, SOCK_KIND_DUP2, SOCK_KIND_DUP3, SOCK_KIND_FCNTL } from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { dup } from '../../src/probes/dup/spec.js';
import { probeId } from '../../src/probes/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { sockRecord } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(dup, layouts, new HeaderDecoder(layouts));
const decode = (o: Parameters<typeof sockRecord>[1]) => {
  const rec = sockRecord(probeId(dup), o);
  return decoder.decode(rec, 0, rec.length);
};
const line = (parts: ReturnType<typeof dup.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string | Uint8Array))).join('');
const text = (e: TraceEvent) => line(dup.describe(e));
const shell = { kind: SOCK_KIND_DUP2, ret: 0, fd: 3, newfd: 0, family: SOCK_AF_INET, lport: 40404, rport: 4444, laddr: [10, 0, 0, 5], raddr: [198, 51, 100, 7], comm: 'sh' };

describe('dup records', () => {
  it('decodes a socket put on stdin with both ends', () => {
    const e = decode(shell);
    expect(e.fields).toEqual({
      ret: 0, oldfd: 3, newfd: 0, flags: 0, family: 'ipv4', type: 'stream', protocol: 'tcp',
      laddr: '10.0.0.5', lport: 40404, raddr: '198.51.100.7', rport: 4444, syscall: 'dup2',
    });
    expect(text(e)).toBe('stdin <- fd 3 tcp 10.0.0.5:40404 -> 198.51.100.7:4444 (dup2)');
  });

  it('decodes dup3 flags, fcntl, IPv6 and a failed call with its errno', () => {
    const e = decode({ ...shell, kind: SOCK_KIND_DUP3, ret: -22, newfd: 2, arg: 0x1234, family: SOCK_AF_INET6, laddr: [...new Array(15).fill(0), 1], raddr: [...new Array(15).fill(0), 1] });
    expect(e.fields).toMatchObject({ ret: -22, newfd: 2, flags: 0x1234, syscall: 'dup3', laddr: '::1' });
    expect(text(e)).toBe('stderr <- fd 3 tcp [::1]:40404 -> [::1]:4444 (dup3) EINVAL');
    expect(decode({ ...shell, kind: SOCK_KIND_FCNTL, ret: 1, newfd: 1 }).fields).toMatchObject({ syscall: 'fcntl', newfd: 1 });
  });
});

describe('dup filters and facets', () => {
  const m = (f: string[]) => compileMatcher(parseFilters(f, [dup]), dup)(decode(shell));

  it('port= and addr= match either end', () => {
    expect(m(['port=4444'])).toBe(true);
    expect(m(['port=40404'])).toBe(true);
    expect(m(['port=22'])).toBe(false);
    expect(m(['addr=198.51.100.0/24'])).toBe(true);
    expect(m(['addr!=198.51.100.0/24'])).toBe(false);
    expect(m(['family=6'])).toBe(false);
  });

  it('a network socket on stdio is a reverse-shell security note (a unix socketpair, as supervisors wire a child, is not); flags by name; completion; tree', () => {
    expect(dup.facets!.security!(decode({ ...shell, family: SOCK_AF_UNIX, laddr: [], raddr: [] }))).toBeUndefined();
    const note = dup.facets!.security!(decode(shell));
    expect(note?.label).toBe('reverse shell');
    expect(line(note!.parts)).toBe('stdin <- fd 3 tcp 10.0.0.5:40404 -> 198.51.100.7:4444 (dup2)');
    expect(dup.facets!.detailValue!('flags', SOCK_FL_CLOEXEC)).toBe('SOCK_CLOEXEC');
    const out: [string, string][] = [];
    dup.facets!.completionValues!(decode(shell), (k, v) => out.push([k, v]));
    expect(out).toEqual([['port', '40404'], ['port', '4444'], ['addr', '10.0.0.5'], ['addr', '198.51.100.7']]);
    const lines = dup.facets!.tree!.lines(
      [
        [1, 0, 0, 'ipv4', 'tcp', 'stream', '10.0.0.5', 40404, '198.51.100.7', 4444, 'dup2'],
        [2, -22, 2, 'unix', null, 'stream', '', null, '/run/\x1bx', null, 'dup3'],
      ],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  dup     1 stdin <- tcp 10.0.0.5:40404 -> 198.51.100.7:4444', '  dup     2 stderr <- unix stream (unnamed) -> /run/\\ex EINVAL']);
  });
});

describeKernel('dup on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  let srv: Server;
  let port: number;
  let dir: string;
  const conns: Socket[] = [];
  // what an intruder's one-line reverse shell does, as uid 1000, before exec'ing a shell, as uid 1000, before exec'ing a shell
  const py = (code: string) =>
    run('/usr/bin/python3', ['-c', `import socket,os,sys,ctypes,fcntl\nc=socket.create_connection(('127.0.0.1',${port}))\nprint(c.getsockname()[1], c.fileno(), flush=True)\n${code}`], { uid: 1000, cwd: dir });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-dup-'));
    chmodSync(dir, 0o777);
    srv = createServer((c) => conns.push(c.on('error', () => {})));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as { port: number }).port;
    s = startSession(dup, ['comm=python3']);
  });
  afterAll(() => {
    s.engine.close();
    for (const c of conns) c.destroy();
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const first = (stdout: string) => stdout.split('\n')[0]!.split(' ').map(Number);

  it('sees a connected socket put on stdin, stdout and stderr, with both ends', async () => {
    const r = await py(`for fd in (0,1,2): os.dup2(c.fileno(), fd)`);
    const [lport, sfd] = first(r.stdout);
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 3 && mine;
    }, 5000, 'three dup2 events');
    expect(evs.map((e) => e.fields.newfd)).toEqual([0, 1, 2]);
    for (const e of evs) {
      expect(e.uid).toBe(1000);
      expect(e.fields).toMatchObject({ ret: e.fields.newfd, oldfd: sfd, syscall: 'dup2', family: 'ipv4', protocol: 'tcp', laddr: '127.0.0.1', lport, raddr: '127.0.0.1', rport: port });
      expect(dup.facets!.security!(e)?.label).toBe('reverse shell');
    }
  });

  it('emits nothing for a regular file put on stdout (a later dup3 of the socket is the marker)', async () => {
    const r = await py(`f=os.open('out.txt', os.O_WRONLY|os.O_CREAT, 0o600)
os.dup2(f, 1)
os.dup2(c.fileno(), 2, inheritable=False)`);
    const marker = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.newfd === 2), 5000, 'the marker dup3');
    expect(marker.fields).toMatchObject({ syscall: 'dup3', flags: SOCK_FL_CLOEXEC, rport: port });
    expect(s.events.filter((x) => x.pid === r.pid)).toHaveLength(1);
  });

  it('sees a failed dup3 of a socket onto stdin with EINVAL', async () => {
    const r = await py(`libc=ctypes.CDLL(None, use_errno=True)
print(libc.dup3(c.fileno(), 0, 0x1234), ctypes.get_errno(), flush=True)`);
    expect(r.stdout.split('\n')[1]).toBe('-1 22');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the failed dup3');
    expect(e.fields).toMatchObject({ ret: -22, newfd: 0, flags: 0x1234, syscall: 'dup3', laddr: '127.0.0.1', rport: port });
  });

  it('sees dup and fcntl(F_DUPFD) landing a socket on a closed stdin or stdout', async () => {
    // python's os.dup is fcntl(F_DUPFD_CLOEXEC): libc's dup is the dup syscall
    const r = await py(`os.close(0)
fcntl.fcntl(c.fileno(), fcntl.F_DUPFD, 0)
os.close(1)
ctypes.CDLL(None).dup(c.fileno())`);
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 2 && mine;
    }, 5000, 'fcntl and dup');
    expect(evs.map((e) => [e.fields.syscall, e.fields.ret, e.fields.newfd])).toEqual([['fcntl', 0, 0], ['dup', 1, 1]]);
    expect(evs[0]!.fields).toMatchObject({ raddr: '127.0.0.1', rport: port });
  });
});
