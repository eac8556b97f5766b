import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { setuid } from '../../src/probes/setuid/spec.js';
import { ALL_CAPS, capNumber, formatCaps, gainedCaps } from '../../src/probes/setuid/caps.js';
import { CRED_F_CAP_FAULT, CRED_F_GID, CRED_KIND_CAPSET, CRED_KIND_SETFSUID, CRED_KIND_SETRESUID, CRED_KIND_SETUID } from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { structRecord } from './fixtures.js';

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);
const decode = (rec: Buffer) => new RecordDecoder(setuid, layouts, header).decode(rec, 0, rec.length);
const U32_MAX = 0xffff_ffff;
const CAP_NET_RAW = 2 ** 13, CAP_SYS_ADMIN = 2 ** 21;

/** A cred_event: root dropping to 1000 unless told otherwise. */
function credRecord(kind: number, o: Record<string, number | bigint> = {}, comm = 'sshd'): Buffer {
  const fields = {
    ret: 0n, id1: 1000, id2: 1000, id3: U32_MAX,
    old_real: 0, old_eff: 0, old_saved: 0, old_fs: 0, new_real: 1000, new_eff: 1000, new_saved: 0, new_fs: 1000,
    old_caps: BigInt(ALL_CAPS), new_caps: 0n, cap_eff: 0n, cap_prm: 0n, cap_inh: 0n, ev_flags: 0,
    ...o,
  };
  return structRecord('cred_event', { probeId: probeId(setuid), kind, comm }, fields);
}

const text = (parts: ReturnType<typeof setuid.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string))).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [setuid]), setuid)!(e);

describe('setuid records', () => {
  it('decodes the ids asked for (-1 as -1), the ids before and after and the capability change', () => {
    const e = decode(credRecord(CRED_KIND_SETRESUID));
    expect(e.fields).toEqual({
      ret: 0, syscall: 'setresuid', id1: 1000, id2: 1000, id3: -1,
      old_real: 0, old_eff: 0, old_saved: 0, old_fs: 0, new_real: 1000, new_eff: 1000, new_saved: 0, new_fs: 1000,
      old_caps: ALL_CAPS, new_caps: 0, cap_eff: null, cap_prm: null, cap_inh: null,
    });
    expect(text(setuid.describe(e))).toBe('setresuid(1000, 1000, -) ok uid 0/0/0/0 -> 1000/1000/0/1000 caps all -> none');
  });

  it('keeps only the ids a call takes and names gid calls', () => {
    const e = decode(credRecord(CRED_KIND_SETUID, { ret: -1n, new_real: 1000, new_eff: 1000, new_saved: 1000, new_fs: 1000, old_real: 1000, old_eff: 1000, old_saved: 1000, old_fs: 1000, id1: 0, old_caps: 0n }));
    expect(e.fields).toMatchObject({ syscall: 'setuid', id1: 0, id2: null, id3: null, ret: -1 });
    expect(text(setuid.describe(e))).toBe('setuid(0) EPERM uid 1000/1000/1000/1000 -> 1000/1000/1000/1000');
    const g = decode(credRecord(4 /* CRED_KIND_SETGID */, { ev_flags: CRED_F_GID }));
    expect(text(setuid.describe(g))).toMatch(/^setgid\(1000\) ok gid /);
  });

  it('shows setfsuid’s result as the previous fs id, never as an error', () => {
    const e = decode(credRecord(CRED_KIND_SETFSUID, { ret: 0n, id1: 1000 }));
    expect(text(setuid.describe(e))).toMatch(/^setfsuid\(1000\) was 0 uid/);
  });

  it('decodes capset’s asked sets, and none when they were unreadable', () => {
    const e = decode(credRecord(CRED_KIND_CAPSET, { cap_eff: BigInt(CAP_NET_RAW), cap_prm: BigInt(CAP_NET_RAW + CAP_SYS_ADMIN), cap_inh: 0n, new_caps: BigInt(CAP_NET_RAW) }));
    expect(e.fields).toMatchObject({ syscall: 'capset', id1: null, cap_eff: CAP_NET_RAW, cap_prm: CAP_NET_RAW + CAP_SYS_ADMIN, cap_inh: 0 });
    expect(text(setuid.describe(e))).toBe('capset(eff=cap_net_raw prm=cap_net_raw,cap_sys_admin inh=none) ok caps all -> cap_net_raw');
    const bad = decode(credRecord(CRED_KIND_CAPSET, { ev_flags: CRED_F_CAP_FAULT, cap_eff: 5n }));
    expect(bad.fields).toMatchObject({ cap_eff: null, cap_prm: null, cap_inh: null });
    expect(text(setuid.describe(bad))).toMatch(/^capset\(\?\) ok/);
  });

  it('keeps a hostile comm exact and escapes it only when shown', () => {
    const e = decode(credRecord(CRED_KIND_SETUID, {}, '\x1b[31mx\xff'));
    expect(e.comm).toEqual(Uint8Array.from(Buffer.from('\x1b[31mx\xff', 'latin1')));
  });
});

describe('setuid filters', () => {
  const root = decode(credRecord(CRED_KIND_SETRESUID, { id1: 0, id2: 0, id3: 0, new_real: 0, new_eff: 0, new_saved: 0, new_fs: 0, old_eff: 1000 }));
  const drop = decode(credRecord(CRED_KIND_SETRESUID));

  it('to= matches an id asked for or held after, root by name', () => {
    expect(matches(['to=0'], root)).toBe(true);
    expect(matches(['to=root'], root)).toBe(true);
    expect(matches(['to=1000'], drop)).toBe(true);
    expect(matches(['to=0'], { ...drop, fields: { ...drop.fields, new_saved: 5 } })).toBe(false);
    expect(matches(['to!=0'], drop)).toBe(false); // new_saved is still 0
  });

  it('syscall= names the call, case-insensitively', () => {
    expect(matches(['syscall=setresuid'], drop)).toBe(true);
    expect(matches(['syscall=SETUID,capset'], drop)).toBe(false);
  });

  it('rejects bad values with an example', () => {
    expect(() => parseFilters(['to=alice'], [setuid])).toThrow(/to=0/);
    expect(() => parseFilters(['syscall=setgroups'], [setuid])).toThrow(/syscall=setresuid/);
  });
});

describe('setuid facets', () => {
  const f = setuid.facets!;
  it('shows capability masks by name and -1 as unchanged', () => {
    expect(f.detailValue!('cap_eff', CAP_SYS_ADMIN)).toBe('cap_sys_admin (0x200000)');
    expect(f.detailValue!('old_caps', ALL_CAPS)).toBe(`all (0x${ALL_CAPS.toString(16)})`);
    expect(f.detailValue!('id3', -1)).toBe('-1 (unchanged)');
    expect(f.detailValue!('ret', 0)).toBeUndefined();
  });

  it('offers the syscall and the effective id after', () => {
    const out: string[][] = [];
    f.completionValues!(decode(credRecord(CRED_KIND_SETUID)), (k, v) => out.push([k, v]));
    expect(out).toEqual([['syscall', 'setuid'], ['to', '1000']]);
  });

  it('flags a change of effective id as privilege, a refused root as privilege denied, and a capset that gains', () => {
    const toRoot = decode(credRecord(CRED_KIND_SETUID, { id1: 0, old_eff: 1000, new_eff: 0 }));
    expect(f.security!(toRoot)).toEqual({ label: 'privilege', parts: ['setuid: effective uid 1000 -> 0 (root)'] });
    expect(f.security!(decode(credRecord(CRED_KIND_SETRESUID)))?.label).toBe('privilege');
    const denied = decode(credRecord(CRED_KIND_SETUID, { ret: -1n, id1: 0, old_eff: 1000, new_eff: 1000 }));
    expect(f.security!(denied)).toEqual({ label: 'privilege denied', parts: ['setuid(0) as uid 1000: EPERM'] });
    const same = decode(credRecord(CRED_KIND_SETUID, { old_eff: 1000, new_eff: 1000 }));
    expect(f.security!(same)).toBeUndefined();
    const gain = decode(credRecord(CRED_KIND_CAPSET, { old_caps: BigInt(CAP_NET_RAW), new_caps: BigInt(CAP_NET_RAW + CAP_SYS_ADMIN), old_eff: 0, new_eff: 0 }));
    expect(f.security!(gain)).toEqual({ label: 'privilege', parts: ['capset: gained cap_sys_admin'] });
    const dropCaps = decode(credRecord(CRED_KIND_CAPSET, { new_caps: BigInt(CAP_NET_RAW), old_eff: 0, new_eff: 0 }));
    expect(f.security!(dropCaps)).toBeUndefined();
  });

  it('lists calls under the process in the tree, escaping capture text', () => {
    const lines = f.tree!.lines(
      [[1, 0, 'setresuid', 1000, 1000, -1, 0, 1000, null], [2, -1, 'setuid', 0, null, null, 1000, 1000, null], [3, 0, 'capset', null, null, null, 0, 0, CAP_NET_RAW], [4, 0, 'set\x1b[2J', 1, null, null, 0, 0, null]],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual([
      '  setuid  1 setresuid(1000, 1000, -) eff 0 -> 1000 ok',
      '  setuid  2 setuid(0) eff 1000 -> 1000 EPERM',
      '  setuid  3 capset(eff=cap_net_raw) ok',
      '  setuid  4 set\\e[2J(1) eff 0 -> 0 ok',
    ]);
  });

  it('names capabilities both ways', () => {
    expect(formatCaps(0)).toBe('none');
    expect(formatCaps(2 ** 41)).toBe('cap_41');
    expect(formatCaps(ALL_CAPS - 2 ** 24)).toBe('all except cap_sys_resource');
    expect(gainedCaps(CAP_NET_RAW, CAP_NET_RAW + CAP_SYS_ADMIN)).toBe(CAP_SYS_ADMIN);
    expect(capNumber('SYS_ADMIN')).toBe(21);
    expect(capNumber('cap_bpf')).toBe(39);
  });
});

// The calls an intruder's own program makes, through python's os module and ctypes.
const CAPSET = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
class H(ctypes.Structure): _fields_ = [('version', ctypes.c_uint32), ('pid', ctypes.c_int)]
class D(ctypes.Structure): _fields_ = [('eff', ctypes.c_uint32), ('prm', ctypes.c_uint32), ('inh', ctypes.c_uint32)]
h = H(0x20080522, 0)
d = (D * 2)()
d[0].eff = 1 << 13; d[0].prm = (1 << 13) | (1 << 21); d[0].inh = 0
print(libc.capset(ctypes.byref(h), d))
`;

describeKernel('setuid on the real kernel', () => {
  let dir: string;
  let py: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    // a comm of our own: the session sees no other helper's python
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-cred-'));
    chmodSync(dir, 0o755);
    py = join(dir, 'ebpfsh-credt');
    symlinkSync('/usr/bin/python3', py);
    s = startSession(setuid, ['comm=ebpfsh-credt']);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees root drop to 1000 with setresgid and setresuid, ids and capabilities before and after', async () => {
    const r = await run(py, ['-c', 'import os; os.setresgid(1000, 1000, 1000); os.setresuid(1000, 1000, 1000)']);
    expect(r.code).toBe(0);
    const u = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'setresuid'), 5000, 'the setresuid');
    expect(u.fields).toMatchObject({ ret: 0, id1: 1000, id2: 1000, id3: 1000, old_real: 0, old_eff: 0, old_saved: 0, old_fs: 0, new_real: 1000, new_eff: 1000, new_saved: 1000, new_fs: 1000, new_caps: 0 });
    expect(u.fields.old_caps as number).toBeGreaterThan(0);
    expect(u.uid).toBe(0); // the header is the caller before the call
    const g = s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'setresgid')!;
    expect(g.fields).toMatchObject({ ret: 0, id1: 1000, old_eff: 0, new_real: 1000, new_eff: 1000 });
    expect(setuid.facets!.security!(u)).toMatchObject({ label: 'privilege' });
  });

  it('sees a uid 1000 process refused setuid(0) with EPERM', async () => {
    const r = await run(py, ['-c', 'import os\ntry: os.setuid(0)\nexcept PermissionError: print("denied")'], { uid: 1000 });
    expect(r.stdout).toContain('denied');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'setuid'), 5000, 'the refused setuid');
    expect(e.fields).toMatchObject({ ret: -1, id1: 0, old_eff: 1000, new_eff: 1000, new_real: 1000 });
    expect(setuid.facets!.security!(e)?.label).toBe('privilege denied');
  });

  it('sees capset with the sets asked for and the effective set after', async () => {
    const r = await run(py, ['-c', CAPSET]);
    expect(r.stdout.trim()).toBe('0');
    const c = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'capset'), 5000, 'the capset');
    expect(c.fields).toMatchObject({ ret: 0, cap_eff: CAP_NET_RAW, cap_prm: CAP_NET_RAW + CAP_SYS_ADMIN, cap_inh: 0, new_caps: CAP_NET_RAW });
    expect(c.fields.old_caps as number).toBeGreaterThan(CAP_NET_RAW);
  });

  it('sees setfsuid through libc', async () => {
    const r = await run(py, ['-c', 'import ctypes; print(ctypes.CDLL(None).setfsuid(1000))']);
    expect(r.stdout.trim()).toBe('0');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'setfsuid'), 5000, 'the setfsuid');
    expect(e.fields).toMatchObject({ ret: 0, id1: 1000, old_fs: 0, new_fs: 1000, new_eff: 0 });
  });
});
