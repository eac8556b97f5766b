import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import {
  SOCK_AF_INET,
  SOCK_AF_INET6,
  SOCK_AF_UNIX,
  SOCK_F_ADDR_FAULT,
  SOCK_F_KERNEL_ADDR,
  SOCK_F_NO_SOCKET,
  SOCK_KIND_BIND,
  SOCK_PROTO_UDP,
} from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { bind } from '../../src/probes/bind/spec.js';
import { probeId } from '../../src/probes/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { sockRecord } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(bind, layouts, new HeaderDecoder(layouts));
const decode = (o: Parameters<typeof sockRecord>[1]) => {
  const rec = sockRecord(probeId(bind), o);
  return decoder.decode(rec, 0, rec.length);
};
const text = (e: TraceEvent) => bind.describe(e).map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string | Uint8Array))).join('');
const LOOP4 = [127, 0, 0, 1];
const LOOP6 = [...new Array(15).fill(0), 1];

describe('bind records', () => {
  it('decodes an IPv4 TCP bind with the port the kernel chose', () => {
    const e = decode({ kind: SOCK_KIND_BIND, ret: 0, fd: 3, family: SOCK_AF_INET, lport: 40000, laddr: LOOP4, evFlags: SOCK_F_KERNEL_ADDR });
    expect(e.fields).toEqual({ ret: 0, fd: 3, family: 'ipv4', type: 'stream', protocol: 'tcp', laddr: '127.0.0.1', lport: 40000 });
    expect(text(e)).toBe('tcp 127.0.0.1:40000 ok fd 3');
  });

  it('decodes a failed IPv6 UDP bind from the caller’s sockaddr, with its errno', () => {
    const e = decode({ kind: SOCK_KIND_BIND, ret: -98, fd: 4, family: SOCK_AF_INET6, type: 2, protocol: SOCK_PROTO_UDP, lport: 53, laddr: LOOP6 });
    expect(e.fields).toMatchObject({ ret: -98, family: 'ipv6', type: 'dgram', protocol: 'udp', laddr: '::1', lport: 53 });
    expect(text(e)).toBe('udp [::1]:53 EADDRINUSE fd 4');
  });

  it('decodes unix paths: a pathname up to its NUL, an abstract name as @, unnamed as empty', () => {
    const path = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, protocol: 0, lpath: Buffer.from('/run/x.sock\0') });
    expect(path.fields).toMatchObject({ family: 'unix', type: 'stream', protocol: null, laddr: '/run/x.sock', lport: null });
    expect(text(path)).toBe('unix stream /run/x.sock ok fd 3');
    const abstract = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, protocol: 0, lpath: Buffer.from('\0hidden\0x') });
    expect(abstract.fields.laddr).toBe('@hidden\0x');
    const unnamed = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, protocol: 0 });
    expect(unnamed.fields.laddr).toBe('');
  });

  it('keeps hostile bytes of a unix path exact and escapes them in the line', () => {
    const bad = Buffer.from([0x2f, 0x74, 0xff, 0x1b, 0x5b, 0x32, 0x4a]);
    const e = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, protocol: 0, lpath: bad });
    expect(e.fields.laddr).toEqual(Uint8Array.from(bad));
    expect(text(e)).not.toContain('\x1b');
    expect(text(e)).toContain('\\xff');
  });

  it('a longest unix path (108 bytes, no NUL) arrives whole', () => {
    const long = Buffer.alloc(108, 'a');
    long[0] = 0x2f;
    const e = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, protocol: 0, lpath: long });
    expect(e.fields.laddr).toBe(long.toString('latin1'));
  });

  it('an unreadable sockaddr leaves family, address and port unknown; no socket leaves type unknown', () => {
    const fault = decode({ kind: SOCK_KIND_BIND, ret: -14, family: 0, evFlags: SOCK_F_ADDR_FAULT });
    expect(fault.fields).toMatchObject({ ret: -14, family: null, laddr: null, lport: null, type: 'stream' });
    expect(text(fault)).toBe('tcp ? EFAULT fd 3');
    const notSock = decode({ kind: SOCK_KIND_BIND, ret: -88, family: SOCK_AF_INET, lport: 80, laddr: [0, 0, 0, 0], evFlags: SOCK_F_NO_SOCKET });
    expect(notSock.fields).toMatchObject({ ret: -88, family: 'ipv4', type: null, protocol: null, laddr: '0.0.0.0', lport: 80 });
  });
});

describe('bind filters', () => {
  const match = (filters: string[], o: Parameters<typeof sockRecord>[1]) => compileMatcher(parseFilters(filters, [bind]), bind)(decode(o));
  const v4 = { kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_INET, lport: 8080, laddr: [10, 1, 2, 3] };

  it('port= takes a port or a range of the local port', () => {
    expect(match(['port=8080'], v4)).toBe(true);
    expect(match(['port=8000-8999'], v4)).toBe(true);
    expect(match(['port=80'], v4)).toBe(false);
    expect(match(['port!=8080'], v4)).toBe(false);
  });

  it('addr= takes a CIDR block; family= takes 4, 6 or unix', () => {
    expect(match(['addr=10.0.0.0/8'], v4)).toBe(true);
    expect(match(['addr=192.168.0.0/16'], v4)).toBe(false);
    expect(match(['family=4'], v4)).toBe(true);
    expect(match(['family=6'], v4)).toBe(false);
    expect(match(['family=unix'], { kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, lpath: Buffer.from('/x') })).toBe(true);
    expect(match(['addr=0.0.0.0/0'], { kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_UNIX, lpath: Buffer.from('/x') })).toBe(false);
  });

  it('an unreadable address passes port=, port!= and addr= alike', () => {
    const fault = { kind: SOCK_KIND_BIND, ret: -14, family: 0, evFlags: SOCK_F_ADDR_FAULT };
    expect(match(['port=22'], fault)).toBe(true);
    expect(match(['port!=22'], fault)).toBe(true);
    expect(match(['addr=10.0.0.0/8'], fault)).toBe(true);
  });

  it('rejects bad values with a message naming an example', () => {
    expect(() => parseFilters(['port=http'], [bind])).toThrow(/port: 'http' is not a port or range 0-65535 \(e\.g\. port=443/);
    expect(() => parseFilters(['port=9-1'], [bind])).toThrow(/port=8000-8999/);
    expect(() => parseFilters(['addr=nope'], [bind])).toThrow(/addr: 'nope' is not an IP address or CIDR block \(e\.g\. addr=10\.0\.0\.0\/8/);
    expect(() => parseFilters(['family=7'], [bind])).toThrow(/family: '7' is not 4, 6 or unix \(e\.g\. family=6\)/);
  });
});

describe('bind facets', () => {
  it('offers the local port and address, and writes tree lines', () => {
    const e = decode({ kind: SOCK_KIND_BIND, ret: 0, family: SOCK_AF_INET, lport: 4444, laddr: [0, 0, 0, 0] });
    const out: [string, string][] = [];
    bind.facets!.completionValues!(e, (k, v) => out.push([k, v]));
    expect(out).toEqual([['port', '4444'], ['addr', '0.0.0.0']]);
    const lines = bind.facets!.tree!.lines(
      [
        [1, 0, 'ipv4', 'tcp', 'stream', '0.0.0.0', 4444],
        [2, -98, 'ipv6', 'udp', 'dgram', '::1', 53],
        [3, 0, 'unix', null, 'stream', '/tmp/\x1b[2Jx', null],
      ],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  bind    1 tcp 0.0.0.0:4444 ok', '  bind    2 udp [::1]:53 EADDRINUSE', '  bind    3 unix stream /tmp/\\e[2Jx ok']);
  });
});

/** A python3 program binding sockets the way an intruder's own code would (as uid 1000). */
const py = (code: string, uid = 1000) => run('/usr/bin/python3', ['-c', `import socket,errno,os,sys\n${code}`], { uid, cwd: '/tmp' });

describeKernel('bind on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(bind, ['comm=python3']);
  });
  afterAll(() => s.engine.close());

  it('sees IPv4 and IPv6 binds to port 0 with the ports the kernel chose', async () => {
    const r = await py(`a=socket.socket(); a.bind(('127.0.0.1',0)); b=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); b.bind(('::1',0))
print(a.getsockname()[1], b.getsockname()[1], a.fileno(), b.fileno())`);
    const [p4, p6, fd4, fd6] = r.stdout.trim().split(' ').map(Number);
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 2 && mine;
    }, 5000, 'both binds');
    expect(evs[0]!.uid).toBe(1000);
    expect(evs[0]!.fields).toMatchObject({ ret: 0, fd: fd4, family: 'ipv4', type: 'stream', protocol: 'tcp', laddr: '127.0.0.1', lport: p4 });
    expect(evs[1]!.fields).toMatchObject({ ret: 0, fd: fd6, family: 'ipv6', type: 'dgram', protocol: 'udp', laddr: '::1', lport: p6 });
    expect(p4).toBeGreaterThan(0);
  });

  it('sees a bind to a port in use fail with EADDRINUSE, with the address asked for', async () => {
    const r = await py(`a=socket.socket(); a.bind(('127.0.0.1',0)); p=a.getsockname()[1]; print(p)
b=socket.socket()
try: b.bind(('127.0.0.1',p))
except OSError as e: print(e.errno)`);
    const [port, errno] = r.stdout.trim().split('\n').map(Number);
    expect(errno).toBe(98);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret !== 0), 5000, 'the failed bind');
    expect(e.fields).toMatchObject({ ret: -98, family: 'ipv4', protocol: 'tcp', laddr: '127.0.0.1', lport: port });
  });

  it('sees an unprivileged bind to port 80 fail with EACCES', async () => {
    const r = await py(`a=socket.socket(socket.AF_INET6)
try: a.bind(('::',80))
except OSError as e: print(e.errno)`);
    expect(r.stdout.trim()).toBe('13');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the refused bind');
    expect(e.fields).toMatchObject({ ret: -13, family: 'ipv6', laddr: '::', lport: 80 });
  });

  it('sees a unix socket bound to a path and to an abstract name', async () => {
    const r = await py(`import tempfile
d=tempfile.mkdtemp(); p=d+'/s.sock'; print(p)
a=socket.socket(socket.AF_UNIX); a.bind(p)
b=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); b.bind('\\0ebpfsh-test-%d' % os.getpid())
os.unlink(p); os.rmdir(d)`);
    const path = r.stdout.trim();
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 2 && mine;
    }, 5000, 'the unix binds');
    expect(evs[0]!.fields).toMatchObject({ ret: 0, family: 'unix', type: 'stream', laddr: path, lport: null });
    expect(evs[1]!.fields).toMatchObject({ ret: 0, family: 'unix', type: 'dgram', laddr: `@ebpfsh-test-${r.pid}` });
  });
});
