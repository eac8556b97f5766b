import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { FilterError, HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { MEMFD_F_NAME_TRUNCATED, MEMFD_NAME_MAX } from '../../src/event/generated/skeleton.js';
import { findProbe, probeId, profileProbes } from '../../src/probes/index.js';
import { memfd } from '../../src/probes/memfd/spec.js';
import { formatMemfdFlags } from '../../src/probes/memfd/memfd-flags.js';
import { escapeTerminal } from '../../src/text/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);
const MFD_CLOEXEC = 1, MFD_ALLOW_SEALING = 2, MFD_EXEC = 0x10;

/** struct memfd_event with data = name\0. */
function memfdRecord(o: { ret: number; name: Buffer; flags: number; evFlags?: number; noNul?: boolean }): Buffer {
  const data = o.noNul ? o.name : Buffer.concat([o.name, Buffer.from([0])]);
  return record('memfd_event', { probeId: probeId(memfd), kind: 0, comm: 'python3' }, { ret: o.ret, flags: o.flags, ev_flags: o.evFlags ?? 0, name_len: data.length }, data);
}
const decode = (rec: Buffer) => new RecordDecoder(memfd, layouts, header).decode(rec, 0, rec.length);
const text = (e: TraceEvent) => memfd.describe(e).map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string))).join('');

describe('memfd', () => {
  it('is registered as memfd, memfdsnoop and fileless, in the forensic profile, with table memfd', () => {
    expect(findProbe('memfdsnoop')).toBe(memfd);
    expect(findProbe('fileless')).toBe(memfd);
    expect(memfd.table).toBe('memfd');
    expect(profileProbes('forensic')).toContain(memfd);
  });

  it('decodes the name, flags and fd, and a failure with its errno', () => {
    const ok = decode(memfdRecord({ ret: 5, name: Buffer.from('payload'), flags: MFD_CLOEXEC | MFD_ALLOW_SEALING }));
    expect(ok.fields).toEqual({ ret: 5, name: 'payload', flags: 3, truncated: 0 });
    expect(text(ok)).toBe('     5 memfd:payload MFD_CLOEXEC|MFD_ALLOW_SEALING');
    const bad = decode(memfdRecord({ ret: -22, name: Buffer.from('x'), flags: 0x8000 }));
    expect(bad.fields).toMatchObject({ ret: -22, flags: 0x8000 });
    expect(text(bad)).toBe('EINVAL memfd:x 0x8000');
  });

  it('keeps a hostile name exact (escape bytes, invalid UTF-8) and escapes it only when shown', () => {
    const raw = Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff, 0x07, 0x7a]);
    const e = decode(memfdRecord({ ret: 3, name: raw, flags: 0 }));
    expect(Buffer.from(e.fields.name as Uint8Array).equals(raw)).toBe(true);
    expect(text(e)).not.toMatch(/[\x1b\x07]/);
  });

  it('takes names from empty to the 255 bytes read whole, and flags a longer one as cut', () => {
    expect(decode(memfdRecord({ ret: 3, name: Buffer.alloc(0), flags: 0 })).fields.name).toBe('');
    const max = 'n'.repeat(MEMFD_NAME_MAX - 1);
    expect(decode(memfdRecord({ ret: -22, name: Buffer.from(max), flags: 0 })).fields).toMatchObject({ name: max, truncated: 0 });
    const cut = decode(memfdRecord({ ret: -22, name: Buffer.from(max), flags: 0, evFlags: MEMFD_F_NAME_TRUNCATED }));
    expect(cut.fields).toMatchObject({ name: max, truncated: 1 });
    expect(text(cut)).toMatch(/\[truncated\]$/);
  });

  it('names flags, including a hugetlb page size and unknown bits', () => {
    expect(formatMemfdFlags(0)).toBe('0');
    expect(formatMemfdFlags(MFD_EXEC | MFD_CLOEXEC)).toBe('MFD_CLOEXEC|MFD_EXEC');
    expect(formatMemfdFlags(4 | (21 << 26))).toBe('MFD_HUGETLB|MFD_HUGE_2MB');
    expect(formatMemfdFlags(0x100)).toBe('0x100');
    expect(memfd.facets!.detailValue!('flags', 9)).toBe('MFD_CLOEXEC|MFD_NOEXEC_SEAL (0x9)');
    expect(memfd.facets!.detailValue!('ret', 9)).toBeUndefined();
  });

  it('filters on name (exact or glob) and on a flag, with clear errors', () => {
    const e = decode(memfdRecord({ ret: 3, name: Buffer.from('payload.elf'), flags: MFD_CLOEXEC }));
    const m = (words: string[]) => compileMatcher(parseFilters(words, [memfd]), memfd)!(e);
    expect(m(['name=payload.elf'])).toBe(true);
    expect(m(['name=payload'])).toBe(false);
    expect(m(['name=*.elf'])).toBe(true);
    expect(m(['name!=*.elf'])).toBe(false);
    expect(m(['flags=MFD_CLOEXEC'])).toBe(true);
    expect(m(['flags=exec'])).toBe(false);
    expect(() => parseFilters(['flags=MFD_BOGUS'], [memfd])).toThrow(/not a memfd_create flag .*e\.g\. flags=MFD_EXEC/);
    expect(() => parseFilters(['name='], [memfd])).toThrow(FilterError);
  });

  it('offers names to completion and lists calls in the tree', () => {
    const e = decode(memfdRecord({ ret: 3, name: Buffer.from('payload'), flags: 1 }));
    const got: [string, string][] = [];
    memfd.facets!.completionValues!(e, (k, v) => got.push([k, v]));
    expect(got).toEqual([['name', 'payload']]);
    const lines = memfd.facets!.tree!.lines([[1, 3, 'payload', 1], [2, -22, '\x1b[2J', 0x8000n]], { time: String, indent: '', perKind: 10 });
    expect(lines).toEqual(['  memfd   1 3 memfd:payload MFD_CLOEXEC', '  memfd   2 EINVAL memfd:\\e[2J 0x8000']);
  });
});

describeKernel('memfd on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(memfd, ['comm=python3']);
  });
  afterAll(() => s.engine.close());
  const py = (code: string, ...args: string[]) => run('/usr/bin/python3', ['-c', code, ...args], { uid: 1000 });

  it('reports the attach point in use', () => {
    expect(s.attachment.attachPoints).toEqual(['tracepoint/syscalls/sys_{enter,exit}_memfd_create']);
  });

  it('sees memfd_create with the name passed (escape bytes exact), its flags and the new fd', async () => {
    const r = await py(
      'import os,sys\nfd=os.memfd_create(b"ebp\\x1b[31m\\xff" + sys.argv[1].encode(), os.MFD_CLOEXEC|os.MFD_ALLOW_SEALING)\nprint(fd)',
      `m${process.pid}`,
    );
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the memfd_create');
    expect(Buffer.from(e.fields.name as Uint8Array).equals(Buffer.concat([Buffer.from('ebp\x1b[31m', 'latin1'), Buffer.from([0xff]), Buffer.from(`m${process.pid}`)]))).toBe(true);
    expect(e.fields).toMatchObject({ ret: Number(r.stdout.trim()), flags: MFD_CLOEXEC | MFD_ALLOW_SEALING, truncated: 0 });
    expect(e.uid).toBe(1000);
  });

  it('reports a call with invalid flags as EINVAL, with what was passed', async () => {
    const r = await py('import os\ntry: os.memfd_create("badflags", 0x8000)\nexcept OSError as e: print(e.errno)');
    expect(r.stdout.trim()).toBe('22');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the failed memfd_create');
    expect(e.fields).toMatchObject({ ret: -22, name: 'badflags', flags: 0x8000 });
  });

  it('reports a name over the kernel limit cut and flagged, failing with EINVAL', async () => {
    const r = await py('import os\ntry: os.memfd_create("L"*300)\nexcept OSError as e: print(e.errno)');
    expect(r.stdout.trim()).toBe('22');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the long name');
    expect(e.fields).toMatchObject({ ret: -22, name: 'L'.repeat(MEMFD_NAME_MAX - 1), truncated: 1 });
    expect(s.engine.counters().find((c) => c.probe === 'memfd')!.losses.truncated).toBeGreaterThan(0);
  });
});
