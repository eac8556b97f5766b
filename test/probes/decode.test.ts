import { describe, expect, it } from 'vitest';
import { HeaderDecoder, LayoutError, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type Layouts } from '../../src/event/index.js';
import { PROBES, probeId } from '../../src/probes/index.js';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { openedElsewhere, opensnoop } from '../../src/probes/opensnoop/spec.js';
import { tcpconnect } from '../../src/probes/tcpconnect/spec.js';
import { connectRecord, execRecord, openRecord } from './fixtures.js';

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);

function decode(probe: (typeof PROBES)[number], rec: Buffer) {
  return new RecordDecoder(probe, layouts, header).decode(rec, 0, rec.length);
}

describe('record layouts from BTF', () => {
  it('bind for every probe: the C structs and the TypeScript decoders agree', () => {
    for (const p of PROBES) expect(() => new RecordDecoder(p, layouts, header)).not.toThrow();
  });

  it('fail loudly when a member changes size or disappears in C', () => {
    const drifted: Layouts = structuredClone(layouts);
    drifted.structs.exec_event!.members.ret!.size = 8;
    expect(() => new RecordDecoder(execsnoop, drifted, header)).toThrow(LayoutError);
    delete drifted.structs.open_event!.members.abs_len;
    expect(() => new RecordDecoder(opensnoop, drifted, header)).toThrow(/has no member abs_len/);
  });
});

describe('decoding byte fixtures', () => {
  it('decodes the common header', () => {
    const e = decode(tcpconnect, connectRecord(probeId(tcpconnect), { ret: 0, family: 2, sport: 1, dport: 2, saddr: [], daddr: [] }));
    expect(e).toMatchObject({ ts: 123_456_789_000, cgroup: 4242, pid: 1000, tid: 1001, ppid: 1, uid: 1000, gid: 100, pidns: 4026531836, nspid: 7, comm: 'curl' });
  });

  it('decodes an exec with argv, and a failed one with its error', () => {
    const args = Buffer.from('ls\0-la\0/tmp/a b\0');
    const e = decode(execsnoop, execRecord(probeId(execsnoop), { ret: 0, filename: Buffer.from('/bin/ls'), exe: Buffer.from('/usr/bin/ls'), args, argc: 3 }));
    expect(e.fields).toEqual({ ret: 0, filename: '/bin/ls', exe: '/usr/bin/ls', argv: ['ls', '-la', '/tmp/a b'], argc: 3, args_size: args.length, fileless: null, env: [], env_cut: 0, truncated: 0,
      // the fixture's identity is not marked known: no exe_* facts
      exe_dev: null, exe_ino: null, exe_mode: null, exe_mtime: null, exe_mtime_nsec: null, exe_size: null, exe_uid: null, exe_upper: null, exe_writable: null });
    const f = decode(execsnoop, execRecord(probeId(execsnoop), { ret: -2, filename: Buffer.from('/nope'), exe: Buffer.alloc(0), args: Buffer.from('/nope\0'), argc: 1 }));
    expect(f.fields).toMatchObject({ ret: -2, filename: '/nope', exe: '', argv: ['/nope'] });
  });

  it('keeps exact bytes of invalid UTF-8 and marks truncation', () => {
    const bad = Buffer.from([0x2f, 0x74, 0xff, 0x1b, 0x5b]);
    const e = decode(execsnoop, execRecord(probeId(execsnoop), { ret: 0, filename: bad, exe: Buffer.from('/x'), args: Buffer.from('a\0b'), argc: 0xffffffff, flags: 1 }));
    expect(e.fields.filename).toEqual(Uint8Array.from(bad));
    expect(e.fields).toMatchObject({ argv: ['a', 'b'], argc: null, truncated: 1 });
  });

  it('decodes an open with raw and absolute paths', () => {
    const e = decode(opensnoop, openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('notes.txt'), abs: Buffer.from('/home/u/notes.txt'), flags: 0o101, mode: 0o644, kind: 0 }));
    expect(e.fields).toEqual({ ret: 3, path: '/home/u/notes.txt', raw_path: 'notes.txt', flags: 0o101, mode: 0o644, dfd: -100, syscall: 'openat', truncated: 0 });
    const abs = decode(opensnoop, openRecord(probeId(opensnoop), { ret: -13, path: Buffer.from('/etc/shadow'), flags: 0, mode: 0, kind: 3 }));
    expect(abs.fields).toMatchObject({ ret: -13, path: '/etc/shadow', raw_path: '/etc/shadow', syscall: 'creat' });
  });

  it('takes the opened file’s path over the caller’s bytes, and says when they disagree', () => {
    const id = probeId(opensnoop);
    const rewritten = decode(opensnoop, openRecord(id, { ret: 3, path: Buffer.from('/tmp/innocent'), real: Buffer.from('/etc/shadow'), flags: 0, mode: 0, kind: 0 }));
    expect(rewritten.fields).toMatchObject({ path: '/etc/shadow', raw_path: '/tmp/innocent' });
    expect(openedElsewhere(3, '/etc/shadow', '/tmp/innocent')).toBe(true);
    const rel = decode(opensnoop, openRecord(id, { ret: 3, path: Buffer.from('n.txt'), abs: Buffer.from('/home/u/n.txt'), real: Buffer.from('/home/u/n.txt'), flags: 0, mode: 0, kind: 0 }));
    expect(rel.fields).toMatchObject({ path: '/home/u/n.txt', raw_path: 'n.txt' });
    // lexically the same file: no flag
    expect(openedElsewhere(3, '/etc/passwd', '//etc/./x/../passwd')).toBe(false);
    expect(openedElsewhere(3, '/home/u/a/n.txt', './a//n.txt')).toBe(false);
    expect(openedElsewhere(3, '/home/u', '.')).toBe(false);
    expect(openedElsewhere(3, '/etc/n.txt', '../etc/n.txt')).toBe(false);
    // another file, or a symlink: flagged
    expect(openedElsewhere(3, '/etc/shadow', 'innocent')).toBe(true);
    expect(openedElsewhere(3, '/usr/share/zoneinfo/UTC', '/etc/localtime')).toBe(true);
    expect(openedElsewhere(-2, '/etc/x', '/tmp/y')).toBe(false);
    expect(openedElsewhere(3, '/t\xff', Uint8Array.from([0x2f, 0x74, 0xff]))).toBe(true);
  });

  it('decodes openat2 flags it could not read as unknown, which a flags= filter does not hide', () => {
    const e = decode(opensnoop, openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/x'), flags: 0, mode: 0, kind: 1, evFlags: 16 }));
    expect(e.fields).toMatchObject({ flags: null, mode: null, syscall: 'openat2' });
    for (const f of ['flags=O_WRONLY', 'flags!=O_RDONLY', 'flags!=O_WRONLY']) expect(compileMatcher(parseFilters([f], [opensnoop]), opensnoop)!(e), f).toBe(true);
    expect(opensnoop.describe(e).join('')).toContain('flags?');
  });

  it('decodes IPv4 and IPv6 connects', () => {
    const v4 = decode(tcpconnect, connectRecord(probeId(tcpconnect), { ret: -111, family: 2, sport: 40000, dport: 443, saddr: [127, 0, 0, 1], daddr: [10, 1, 2, 3] }));
    expect(v4.fields).toEqual({ ret: -111, ipver: 4, saddr: '127.0.0.1', sport: 40000, daddr: '10.1.2.3', dport: 443, latency_us: 1500 });
    const v6 = decode(tcpconnect, connectRecord(probeId(tcpconnect), { ret: 0, family: 10, sport: 1, dport: 22, saddr: [...Array(15).fill(0), 1], daddr: [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 5] }));
    expect(v6.fields).toMatchObject({ ipver: 6, saddr: '::1', daddr: '2001:db8::5' });
  });

  it('rejects a record whose lengths run past its end', () => {
    const rec = execRecord(probeId(execsnoop), { ret: 0, filename: Buffer.from('/bin/ls'), exe: Buffer.from('/x'), args: Buffer.from('ls'), argc: 1 });
    rec.writeUInt16LE(5000, 82);
    expect(() => decode(execsnoop, rec)).toThrow(/runs past the record/);
  });
});

describe('decoding a record wherever it lies in its buffer', () => {
  /** `rec` copied at byte `shift` of a fresh buffer (of its own ArrayBuffer: no pool offset). */
  const placed = (rec: Buffer, shift: number) => {
    const b = Buffer.alloc(shift + rec.length + 8, 0xee);
    rec.copy(b, shift);
    return b;
  };

  it('gives the same event aligned (the reader frames records so) and misaligned (a fixture may not)', () => {
    const recs = [
      openRecord(probeId(opensnoop), { ret: -13, path: Buffer.from('/etc/shadow'), abs: Buffer.from('/etc/shadow'), flags: 0o100101, mode: 0o644, kind: 1 }),
      execRecord(probeId(execsnoop), { ret: 0, filename: Buffer.from('/bin/ls'), exe: Buffer.from('/usr/bin/ls'), args: Buffer.from('ls\0-la\0'), argc: 2 }),
      connectRecord(probeId(tcpconnect), { ret: 0, family: 2, sport: 40000, dport: 443, saddr: [127, 0, 0, 1], daddr: [10, 1, 2, 3] }),
    ];
    const probes = [opensnoop, execsnoop, tcpconnect];
    recs.forEach((rec, i) => {
      const d = new RecordDecoder(probes[i]!, layouts, header);
      const want = d.decode(placed(rec, 4), 4, rec.length);
      for (const shift of [0, 1, 2, 3, 8, 13]) expect(d.decode(placed(rec, shift), shift, rec.length)).toEqual(want);
    });
  });

  it('gives back the same string for a repeated comm or path, and fresh bytes for invalid UTF-8 every time', () => {
    const d = new RecordDecoder(opensnoop, layouts, header);
    const ok = openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/passwd'), flags: 0, mode: 0, kind: 1 });
    const a = d.decode(placed(ok, 0), 0, ok.length);
    const b = d.decode(placed(ok, 8), 8, ok.length);
    expect(b.fields.path).toBe(a.fields.path);
    expect(b.comm).toBe(a.comm);
    const other = openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/passwe'), flags: 0, mode: 0, kind: 1 });
    expect(d.decode(other, 0, other.length).fields.path).toBe('/etc/passwe');
    const bad = openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from([0x2f, 0xff]), flags: 0, mode: 0, kind: 1 });
    const x = d.decode(bad, 0, bad.length).fields.path as Uint8Array;
    const y = d.decode(bad, 0, bad.length).fields.path as Uint8Array;
    expect(x).toEqual(Uint8Array.from([0x2f, 0xff]));
    expect(y).not.toBe(x);
  });

  it('refuses a record that runs past its buffer instead of reading what lies beyond it', () => {
    const rec = openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/passwd'), flags: 0, mode: 0, kind: 1 });
    const big = Buffer.alloc(4096);
    rec.copy(big, 0);
    const short = big.subarray(0, rec.length - 1);
    expect(() => new RecordDecoder(opensnoop, layouts, header).decode(short, 0, rec.length)).toThrow(/runs past its buffer/);
  });
});
