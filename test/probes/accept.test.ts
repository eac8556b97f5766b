import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { SOCK_AF_INET, SOCK_AF_INET6, SOCK_AF_UNIX, SOCK_FL_CLOEXEC, SOCK_FL_NONBLOCK, SOCK_KIND_ACCEPT, SOCK_KIND_ACCEPT4 } from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { accept } from '../../src/probes/accept/spec.js';
import { probeId } from '../../src/probes/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { sockRecord } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(accept, layouts, new HeaderDecoder(layouts));
const decode = (o: Parameters<typeof sockRecord>[1]) => {
  const rec = sockRecord(probeId(accept), o);
  return decoder.decode(rec, 0, rec.length);
};
const text = (e: TraceEvent) => accept.describe(e).map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string | Uint8Array))).join('');
const conn = { kind: SOCK_KIND_ACCEPT4, ret: 5, fd: 3, arg: SOCK_FL_CLOEXEC, family: SOCK_AF_INET, lport: 22, rport: 51000, laddr: [10, 0, 0, 1], raddr: [203, 0, 113, 9] };

describe('accept records', () => {
  it('decodes an accepted connection with both ends', () => {
    const e = decode(conn);
    expect(e.fields).toEqual({
      ret: 5, fd: 3, flags: SOCK_FL_CLOEXEC, family: 'ipv4', type: 'stream', protocol: 'tcp',
      laddr: '10.0.0.1', lport: 22, raddr: '203.0.113.9', rport: 51000, syscall: 'accept4',
    });
    expect(text(e)).toBe('tcp 10.0.0.1:22 <- 203.0.113.9:51000 fd 5');
  });

  it('decodes a failed accept with the listener it waited on and no peer', () => {
    const e = decode({ kind: SOCK_KIND_ACCEPT, ret: -11, fd: 3, family: SOCK_AF_INET6, lport: 80, laddr: new Array(16).fill(0) });
    expect(e.fields).toMatchObject({ ret: -11, syscall: 'accept', laddr: '::', lport: 80, raddr: null, rport: null });
    expect(text(e)).toBe('tcp [::]:80 EAGAIN fd 3');
  });

  it('decodes a unix connection: the listener’s path and the peer’s (unnamed)', () => {
    const e = decode({ kind: SOCK_KIND_ACCEPT4, ret: 4, family: SOCK_AF_UNIX, protocol: 0, lpath: Buffer.from('/run/docker.sock\0') });
    expect(e.fields).toMatchObject({ family: 'unix', laddr: '/run/docker.sock', raddr: '', lport: null, rport: null });
    expect(text(e)).toBe('unix stream /run/docker.sock <- (unnamed) fd 4');
  });
});

describe('accept filters and facets', () => {
  const m = (f: string[], o = conn) => compileMatcher(parseFilters(f, [accept]), accept)(decode(o));

  it('port= and addr= match either end; family= the family', () => {
    expect(m(['port=22'])).toBe(true);
    expect(m(['port=51000'])).toBe(true);
    expect(m(['port=50000-52000'])).toBe(true);
    expect(m(['port=443'])).toBe(false);
    expect(m(['addr=203.0.113.0/24'])).toBe(true);
    expect(m(['addr=10.0.0.1'])).toBe(true);
    expect(m(['addr=192.0.2.0/24'])).toBe(false);
    expect(m(['family=4'])).toBe(true);
    expect(m(['family=unix'])).toBe(false);
  });

  it('shows flags by name, offers ports and addresses of both ends, and writes tree lines', () => {
    expect(accept.facets!.detailValue!('flags', SOCK_FL_CLOEXEC | SOCK_FL_NONBLOCK)).toBe('SOCK_CLOEXEC|SOCK_NONBLOCK');
    expect(accept.facets!.detailValue!('flags', 0)).toBe('0');
    expect(accept.facets!.detailValue!('ret', 3)).toBeUndefined();
    const out: [string, string][] = [];
    accept.facets!.completionValues!(decode(conn), (k, v) => out.push([k, v]));
    expect(out).toEqual([['port', '22'], ['port', '51000'], ['addr', '10.0.0.1'], ['addr', '203.0.113.9']]);
    const lines = accept.facets!.tree!.lines(
      [
        [1, 5, 'ipv4', 'tcp', 'stream', '10.0.0.1', 22, '203.0.113.9', 51000],
        [2, -11, 'ipv6', 'tcp', 'stream', '::', 80, null, null],
      ],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  accept  1 tcp 10.0.0.1:22 <- 203.0.113.9:51000', '  accept  2 tcp [::]:80 EAGAIN']);
  });
});

const py = (code: string) => run('/usr/bin/python3', ['-c', `import socket,os,ctypes\n${code}`], { uid: 1000, cwd: '/tmp' });

describeKernel('accept on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(accept, ['comm=python3']);
  });
  afterAll(() => s.engine.close());

  it('sees an accepted connection from 127.0.0.1 with the peer’s port (accept4, then accept)', async () => {
    const r = await py(`srv=socket.socket(); srv.bind(('127.0.0.1',0)); srv.listen(2); port=srv.getsockname()[1]
c1=socket.create_connection(('127.0.0.1',port)); n1,_=srv.accept()
c2=socket.create_connection(('127.0.0.1',port)); fd2=ctypes.CDLL(None, use_errno=True).accept(srv.fileno(), None, None)
print(port, c1.getsockname()[1], c2.getsockname()[1], n1.fileno(), fd2, srv.fileno())`);
    const [port, p1, p2, fd1, fd2, lfd] = r.stdout.trim().split(' ').map(Number);
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 2 && mine;
    }, 5000, 'both accepts');
    expect(evs[0]!.uid).toBe(1000);
    expect(evs[0]!.fields).toMatchObject({ ret: fd1, fd: lfd, syscall: 'accept4', family: 'ipv4', protocol: 'tcp', laddr: '127.0.0.1', lport: port, raddr: '127.0.0.1', rport: p1 });
    expect((evs[0]!.fields.flags as number) & SOCK_FL_CLOEXEC).toBe(SOCK_FL_CLOEXEC);
    expect(evs[1]!.fields).toMatchObject({ ret: fd2, syscall: 'accept', laddr: '127.0.0.1', lport: port, raddr: '127.0.0.1', rport: p2 });
  });

  it('sees a unix connection: the listener’s path as the local end, the unnamed client as the peer', async () => {
    const r = await py(`import tempfile
d=tempfile.mkdtemp(); p=d+'/s.sock'; print(p)
srv=socket.socket(socket.AF_UNIX); srv.bind(p); srv.listen(1)
c=socket.socket(socket.AF_UNIX); c.connect(p); n,_=srv.accept()
os.unlink(p); os.rmdir(d)`);
    const path = r.stdout.trim();
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the unix accept');
    expect(e.fields).toMatchObject({ family: 'unix', type: 'stream', protocol: null, laddr: path, raddr: '', lport: null, rport: null });
  });

  it('sees a non-blocking accept with nothing pending fail with EAGAIN, naming the listener', async () => {
    const r = await py(`srv=socket.socket(socket.AF_INET6); srv.bind(('::1',0)); srv.listen(1); srv.setblocking(False)
try: srv.accept()
except BlockingIOError as e: print(srv.getsockname()[1], e.errno)`);
    const [port, errno] = r.stdout.trim().split(' ').map(Number);
    expect(errno).toBe(11);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the failed accept');
    expect(e.fields).toMatchObject({ ret: -11, family: 'ipv6', laddr: '::1', lport: port, raddr: null, rport: null });
  });
});
