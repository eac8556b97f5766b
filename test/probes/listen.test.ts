import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { SOCK_AF_INET, SOCK_AF_INET6, SOCK_AF_UNIX, SOCK_F_NO_SOCKET, SOCK_KIND_LISTEN } from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { listen } from '../../src/probes/listen/spec.js';
import { probeId } from '../../src/probes/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { sockRecord } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(listen, layouts, new HeaderDecoder(layouts));
const decode = (o: Omit<Parameters<typeof sockRecord>[1], 'kind'>) => {
  const rec = sockRecord(probeId(listen), { kind: SOCK_KIND_LISTEN, ...o });
  return decoder.decode(rec, 0, rec.length);
};
const line = (parts: ReturnType<typeof listen.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string | Uint8Array))).join('');
const text = (e: TraceEvent) => line(listen.describe(e));
const ANY4 = [0, 0, 0, 0];
const LOOP6 = [...new Array(15).fill(0), 1];

describe('listen records', () => {
  it('decodes a listen with its address, port and backlog', () => {
    const e = decode({ ret: 0, fd: 5, arg: 128, family: SOCK_AF_INET, lport: 22, laddr: ANY4 });
    expect(e.fields).toEqual({ ret: 0, fd: 5, backlog: 128, family: 'ipv4', type: 'stream', protocol: 'tcp', laddr: '0.0.0.0', lport: 22 });
    expect(text(e)).toBe('tcp 0.0.0.0:22 backlog 128 ok fd 5');
  });

  it('decodes a failed listen on something that is not a socket, and a unix listener', () => {
    const bad = decode({ ret: -88, fd: 1, arg: 5, family: 0, evFlags: SOCK_F_NO_SOCKET });
    expect(bad.fields).toMatchObject({ ret: -88, family: null, type: null, laddr: null, lport: null });
    expect(text(bad)).toBe('? ? backlog 5 ENOTSOCK fd 1');
    const unix = decode({ ret: 0, arg: 4096, family: SOCK_AF_UNIX, protocol: 0, lpath: Buffer.from('\0\x1b]0;x\x07\0') });
    expect(unix.fields.laddr).toBe('@\x1b]0;x\x07');
    expect(text(unix)).not.toMatch(/[\x1b\x07]/);
  });
});

describe('listen filters and facets', () => {
  const v6 = { ret: 0, arg: 5, family: SOCK_AF_INET6, lport: 8443, laddr: LOOP6 };

  it('filters on the local port, address and family', () => {
    const m = (f: string[]) => compileMatcher(parseFilters(f, [listen]), listen)(decode(v6));
    expect(m(['port=8443'])).toBe(true);
    expect(m(['port=1-1024'])).toBe(false);
    expect(m(['addr=::1'])).toBe(true);
    expect(m(['addr=::/0'])).toBe(true);
    expect(m(['addr=127.0.0.0/8'])).toBe(false);
    expect(m(['family=6'])).toBe(true);
  });

  it('a security note for a successful listen other hosts can reach, none for loopback, unix or a failure', () => {
    const sec = listen.facets!.security!;
    const open = sec(decode({ ret: 0, arg: 1, family: SOCK_AF_INET, lport: 4444, laddr: ANY4 }));
    expect(open?.label).toBe('listener');
    expect(line(open!.parts)).toBe('tcp 0.0.0.0:4444 backlog 1');
    expect(sec(decode({ ret: 0, arg: 1, family: SOCK_AF_INET6, lport: 4444, laddr: new Array(16).fill(0) }))?.label).toBe('listener');
    expect(sec(decode(v6))).toBeUndefined();
    expect(sec(decode({ ret: 0, arg: 1, family: SOCK_AF_INET, lport: 4444, laddr: [127, 0, 0, 2] }))).toBeUndefined();
    expect(sec(decode({ ret: -98, arg: 1, family: SOCK_AF_INET, lport: 4444, laddr: ANY4 }))).toBeUndefined();
    expect(sec(decode({ ret: 0, arg: 1, family: SOCK_AF_UNIX, protocol: 0, lpath: Buffer.from('/run/a') }))).toBeUndefined();
  });

  it('offers the port and address, keeps a listeners view, and writes tree lines', () => {
    const out: [string, string][] = [];
    listen.facets!.completionValues!(decode(v6), (k, v) => out.push([k, v]));
    expect(out).toEqual([['port', '8443'], ['addr', '::1']]);
    expect(listen.facets!.forensicViews!.map((v) => v.name)).toEqual(['listeners']);
    const lines = listen.facets!.tree!.lines([[1, 0, 'ipv4', 'tcp', 'stream', '0.0.0.0', 4444, 1], [2, -22, null, null, null, null, null, 1]], { time: String, indent: '', perKind: 10 });
    expect(lines).toEqual(['  listen  1 tcp 0.0.0.0:4444 ok', '  listen  2 ? ? EINVAL']);
  });
});

const py = (code: string) => run('/usr/bin/python3', ['-c', `import socket,os\n${code}`], { uid: 1000, cwd: '/tmp' });

describeKernel('listen on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(listen, ['comm=python3']);
  });
  afterAll(() => s.engine.close());

  it('sees a TCP listen on 127.0.0.1 with the bound port, and one on a socket never bound (the kernel picks the port)', async () => {
    const r = await py(`a=socket.socket(); a.bind(('127.0.0.1',0)); a.listen(7)
b=socket.socket(socket.AF_INET6); b.listen(3)
print(a.getsockname()[1], b.getsockname()[1], a.fileno())`);
    const [pa, pb, fd] = r.stdout.trim().split(' ').map(Number);
    const evs = await waitFor(() => {
      const mine = s.events.filter((x) => x.pid === r.pid);
      return mine.length >= 2 && mine;
    }, 5000, 'both listens');
    expect(evs[0]!.fields).toEqual({ ret: 0, fd, backlog: 7, family: 'ipv4', type: 'stream', protocol: 'tcp', laddr: '127.0.0.1', lport: pa });
    expect(evs[1]!.fields).toMatchObject({ ret: 0, backlog: 3, family: 'ipv6', laddr: '::', lport: pb });
    expect(listen.facets!.security!(evs[0]!)).toBeUndefined();
    expect(listen.facets!.security!(evs[1]!)?.label).toBe('listener');
  });

  it('sees a listen on a UDP socket fail with EOPNOTSUPP', async () => {
    const r = await py(`a=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(('127.0.0.1',0))
try: a.listen(1)
except OSError as e: print(e.errno)`);
    expect(r.stdout.trim()).toBe('95');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the failed listen');
    expect(e.fields).toMatchObject({ ret: -95, family: 'ipv4', type: 'dgram', protocol: 'udp', laddr: '127.0.0.1' });
  });
});
