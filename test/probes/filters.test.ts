import { describe, expect, it } from 'vitest';
import { FilterError, compileMatcher, explainFilters, parseFilters, tokenize, type TraceEvent } from '../../src/event/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';

function ev(over: Partial<TraceEvent> & { fields?: TraceEvent['fields'] }): TraceEvent {
  return { probe: 'opensnoop', ts: 1, kind: 0, pid: 10, tid: 10, ppid: 1, uid: 1000, gid: 1000, cgroup: 5, pidns: 1, nspid: 10, comm: 'vi', fields: {}, ...over };
}

describe('filter grammar', () => {
  it('puts the first clause of each common key in the kernel and the rest in userspace', () => {
    const f = parseFilters(['uid=1000,1001', 'comm!=sshd', 'path=/etc/', 'uid!=1001', 'failed'], [opensnoop]);
    expect(f.clauses.map((c) => [c.text, c.where])).toEqual([
      ['uid=1000,1001', 'kernel'],
      ['comm!=sshd', 'kernel'],
      ['path=/etc/', 'user'],
      ['uid!=1001', 'user'],
      ['failed', 'user'],
    ]);
    expect(explainFilters(f)).toContain('path=/etc/ [userspace]');
  });

  it('rejects unknown keys and malformed values, naming the fix', () => {
    expect(() => parseFilters(['colour=red'], [opensnoop])).toThrow(/unknown filter key 'colour' \(keys: uid, gid, pid, comm, cgroup, follow, failed, path, flags\)/);
    expect(() => parseFilters(['uid=abc'], [opensnoop])).toThrow(FilterError);
    expect(() => parseFilters(['uid='], [opensnoop])).toThrow(/no value/);
    expect(() => parseFilters(['pid=1,,2'], [opensnoop])).toThrow(/empty value/);
    expect(() => parseFilters(['uid=99999999999'], [opensnoop])).toThrow(/not a number/);
    expect(() => parseFilters(['comm=abcdefghijklmnopq'], [opensnoop])).toThrow(/longer than 15 bytes/);
    expect(() => parseFilters(['path=/etc/'], [tcpconnect])).toThrow(/unknown filter key 'path'/);
    expect(() => parseFilters(['follow!=1'], [opensnoop])).toThrow(/only follow=PID/);
    expect(() => parseFilters(['dport=70000'], [tcpconnect])).toThrow(/not a port/);
    expect(() => parseFilters(['daddr=10.0.0.0/33'], [tcpconnect])).toThrow(/prefix length/);
    expect(() => parseFilters(['justaword'], [opensnoop])).toThrow(/is not a filter/);
  });

  it('resolves user names from /etc/passwd', () => {
    expect(parseFilters(['uid=root'], [execsnoop]).clauses[0]!.values).toEqual([0]);
  });

  it('matches paths by prefix, exact value and glob, on the absolute or raw path', () => {
    const m = compileMatcher(parseFilters(['path=/etc/'], [opensnoop]), opensnoop)!;
    expect(m(ev({ fields: { path: '/etc/passwd', raw_path: 'passwd', ret: 3 } }))).toBe(true);
    expect(m(ev({ fields: { path: '/etcetera', raw_path: '/etcetera', ret: 3 } }))).toBe(false);
    const g = compileMatcher(parseFilters(['path=*.so*'], [opensnoop]), opensnoop)!;
    expect(g(ev({ fields: { path: '/lib/libc.so.6', raw_path: '/lib/libc.so.6', ret: 3 } }))).toBe(true);
    const x = compileMatcher(parseFilters(['path=/etc/passwd'], [opensnoop]), opensnoop)!;
    expect(x(ev({ fields: { path: '/etc/passwd2', raw_path: '', ret: 3 } }))).toBe(false);
  });

  it('failed keeps results below zero; !failed keeps the rest', () => {
    const f = compileMatcher(parseFilters(['failed'], [opensnoop]), opensnoop)!;
    expect(f(ev({ fields: { ret: -2 } }))).toBe(true);
    expect(f(ev({ fields: { ret: 3 } }))).toBe(false);
    const nf = compileMatcher(parseFilters(['!failed'], [opensnoop]), opensnoop)!;
    expect(nf(ev({ fields: { ret: 3 } }))).toBe(true);
  });

  it('matches CIDR blocks, port ranges and families for connects', () => {
    const m = compileMatcher(parseFilters(['daddr=10.0.0.0/8,::1', 'dport=8000-8999', 'family=4,6'], [tcpconnect]), tcpconnect)!;
    const c = (daddr: string, dport: number, ipver: number) => ev({ probe: 'tcpconnect', fields: { daddr, dport, ipver, ret: 0 } });
    expect(m(c('10.1.2.3', 8080, 4))).toBe(true);
    expect(m(c('11.1.2.3', 8080, 4))).toBe(false);
    expect(m(c('::1', 8999, 6))).toBe(true);
    expect(m(c('::1', 9000, 6))).toBe(false);
  });

  it('evaluates kernel keys in userspace when asked (replay has no kernel)', () => {
    const f = parseFilters(['uid=1000', 'comm=vi,vim'], [opensnoop]);
    expect(compileMatcher(f, opensnoop)).toBeNull();
    const all = compileMatcher(f, opensnoop, { all: true })!;
    expect(all(ev({}))).toBe(true);
    expect(all(ev({ uid: 0 }))).toBe(false);
    expect(all(ev({ comm: 'nano' }))).toBe(false);
  });

  it('tokenizes quoted words like a shell', () => {
    expect(tokenize(`attach open path='/my dir/' comm="a b"  x\\ y`)).toEqual(['attach', 'open', 'path=/my dir/', 'comm=a b', 'x y']);
    expect(() => tokenize(`path='/oops`)).toThrow(/unterminated/);
  });
});
