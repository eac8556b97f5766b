import { describe, expect, it } from 'vitest';
import { FilterError, clauseApplies, compileMatcher, didYouMean, explainFilters, keysNotApplying, nearest, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';
import { memfd } from '../../src/probes/memfd/spec.js';
import { compileViewFilter } from '../../src/commands/shell/view-filter.js';
import { ProcessBook } from '../../src/session/index.js';

function ev(probe: string, fields: TraceEvent['fields'], over: Partial<TraceEvent> = {}): TraceEvent {
  return { probe, ts: 1, kind: 0, pid: 10, tid: 10, ppid: 1, uid: 1000, gid: 1000, cgroup: 5, pidns: 1, nspid: 10, comm: 'vi', fields, ...over };
}

const open = (path: string) => ev('opensnoop', { path, raw_path: path, ret: 3 });
const connect = (dport: number, ret = 0) => ev('tcpconnect', { daddr: '10.0.0.1', dport, ipver: 4, ret });

describe('the one filter rule: a clause on a key a probe lacks does not apply to that probe', () => {
  it('parses a key that only some of the probes have, instead of refusing it', () => {
    const f = parseFilters(['path!=/usr/'], [tcpconnect, opensnoop]);
    expect(f.clauses.map((c) => c.text)).toEqual(['path!=/usr/']);
    expect(clauseApplies(f.clauses[0]!, opensnoop)).toBe(true);
    expect(clauseApplies(f.clauses[0]!, tcpconnect)).toBe(false);
  });

  it('lets the events of a probe without the field pass that clause, and still applies the clauses it has', () => {
    const f = parseFilters(['path!=/usr/', 'uid=1000', 'failed'], [tcpconnect, opensnoop]);
    const onConnect = compileMatcher(f, tcpconnect, { all: true })!;
    expect(onConnect(connect(443, -111))).toBe(true);
    expect(onConnect(connect(443, 0))).toBe(false); // failed applies to every probe
    expect(onConnect({ ...connect(443, -111), uid: 0 })).toBe(false); // so do the common keys
    const onOpen = compileMatcher(f, opensnoop, { all: true })!;
    expect(onOpen({ ...open('/usr/lib/libc.so.6'), fields: { path: '/usr/lib/libc.so.6', raw_path: '', ret: -2 } })).toBe(false);
    expect(onOpen({ ...open('/tmp/x'), fields: { path: '/tmp/x', raw_path: '', ret: -2 } })).toBe(true);
  });

  it('leaves nothing to check in userspace for a probe none of whose userspace clauses apply', () => {
    const f = parseFilters(['dport=80'], [tcpconnect, opensnoop]);
    expect(compileMatcher(f, opensnoop)).toBeNull();
    expect(compileMatcher(f, tcpconnect)!(connect(80))).toBe(true);
    expect(compileMatcher(f, tcpconnect)!(connect(81))).toBe(false);
  });

  it('keeps a key that no probe of the set has an error, with the keys and a near miss', () => {
    expect(() => parseFilters(['dport=80'], [opensnoop, execsnoop])).toThrow(/^unknown filter key 'dport' \(keys: uid, gid, pid, comm, cgroup, follow, failed, path, flags, env\)$/);
    expect(() => parseFilters(['pth=/etc/'], [opensnoop, tcpconnect])).toThrow(/^unknown filter key 'pth': did you mean path\? \(keys: /);
    expect(() => parseFilters(['fialed'], [opensnoop])).toThrow(/'fialed' is not a filter: did you mean failed\?; write/);
  });

  it('explains per probe where each clause runs, and which do not apply there', () => {
    const f = parseFilters(['uid=1000', 'path=/tmp/'], [tcpconnect, opensnoop]);
    expect(explainFilters(f, opensnoop)).toBe('uid=1000 [kernel] path=/tmp/ [userspace]');
    expect(explainFilters(f, tcpconnect)).toBe('uid=1000 [kernel] path=/tmp/ (n/a: no path field)');
    expect(explainFilters(parseFilters(['path=/tmp/'], [tcpconnect, opensnoop]), tcpconnect)).toBe('path=/tmp/ (n/a: no path field) (every event)');
    expect(explainFilters(f)).toBe('uid=1000 [kernel] path=/tmp/ [userspace]');
    expect(keysNotApplying(parseFilters(['path=/a/', 'path!=/a/b/', 'dport=1'], [tcpconnect, opensnoop]), execsnoop)).toEqual(['dport']);
  });
});

describe('a key several probes have, read by each its own way', () => {
  it('checks the values against every probe of the set with the key, and each probe matches with its own reading', () => {
    expect(() => parseFilters(['flags=MFD_EXEC'], [opensnoop, memfd])).toThrow(FilterError);
    const f = parseFilters(['flags=MFD_EXEC'], [memfd, execsnoop]);
    expect(compileMatcher(f, memfd, { all: true })).not.toBeNull();
    expect(compileMatcher(f, execsnoop, { all: true })).toBeNull();
  });

  it(':filter checks values only against the shown probes with the key, and lets the others pass', () => {
    const book = new ProcessBook('/nonexistent-proc');
    const v = compileViewFilter(['flags=O_CREAT'], book, [opensnoop]);
    const creat = ev('opensnoop', { path: '/tmp/x', raw_path: '/tmp/x', ret: 3, flags: 0o100 | 1 });
    const plain = ev('opensnoop', { path: '/tmp/x', raw_path: '/tmp/x', ret: 3, flags: 0 });
    expect(v.match(creat)).toBe(true);
    expect(v.match(plain)).toBe(false);
    expect(v.match(ev('memfd', { name: 'x', flags: 0, ret: 3 }))).toBe(true);
  });
});

describe('did you mean', () => {
  it('suggests the nearest choice within two edits, and nothing for a far word', () => {
    expect(nearest('dprot', ['dport', 'daddr'])).toBe('dport');
    expect(nearest('opn', ['open', 'exec'])).toBe('open');
    expect(nearest('colour', ['uid', 'comm', 'path'])).toBeNull();
    expect(nearest('x', ['uid'])).toBeNull();
    expect(didYouMean('forensik', ['forensic', 'files'])).toBe(': did you mean forensic?');
    expect(didYouMean('zzz', ['forensic'])).toBe('');
  });
});
