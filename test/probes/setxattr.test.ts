import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import {
  SETXATTR_AT_EMPTY_PATH,
  SETXATTR_AT_SYMLINK_NOFOLLOW,
  SETXATTR_CREATE,
  SETXATTR_F_ARGS_FAULT,
  SETXATTR_F_NAME_FAULT,
  SETXATTR_F_NAME_TRUNCATED,
  SETXATTR_KIND_FSETXATTR,
  SETXATTR_KIND_SETXATTRAT,
  SETXATTR_REPLACE,
  SETXATTR_VALUE_HEAD,
} from '../../src/event/generated/skeleton.js';
import { probeId } from '../../src/probes/index.js';
import { setxattr } from '../../src/probes/setxattr/spec.js';
import { CAP_NAMES, decodeFileCaps, formatFileCaps } from '../../src/probes/setxattr/caps.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(setxattr, layouts, new HeaderDecoder(layouts));
const nul = Buffer.from([0]);

/** A security.capability value: revision 1-3 magic with the effective bit, 64-bit sets, rootid for v3. */
function capBlob(version: 1 | 2 | 3, o: { permitted: bigint; inheritable?: bigint; effective?: boolean; rootid?: number }): Buffer {
  const size = { 1: 12, 2: 20, 3: 24 }[version];
  const b = Buffer.alloc(size);
  b.writeUInt32LE(((version << 24) | (o.effective ? 1 : 0)) >>> 0, 0);
  const inh = o.inheritable ?? 0n;
  b.writeUInt32LE(Number(o.permitted & 0xffffffffn), 4);
  b.writeUInt32LE(Number(inh & 0xffffffffn), 8);
  if (version > 1) {
    b.writeUInt32LE(Number(o.permitted >> 32n), 12);
    b.writeUInt32LE(Number(inh >> 32n), 16);
  }
  if (version === 3) b.writeUInt32LE(o.rootid ?? 0, 20);
  return b;
}
const bit = (n: number) => 1n << BigInt(n);

/** struct setxattr_event with data = name\0 raw\0 [base\0]. */
function xattrRecord(o: { ret?: number; kind?: number; name: Buffer | string; raw: Buffer | string; base?: string; value?: Buffer; size?: number; flags?: number; atFlags?: number; evFlags?: number; fd?: number }): Buffer {
  const name = Buffer.from(o.name);
  const raw = Buffer.from(o.raw);
  const base = o.base === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from(o.base), nul]);
  const value = o.value ?? Buffer.alloc(0);
  const head = value.subarray(0, SETXATTR_VALUE_HEAD);
  const fields = {
    ret: o.ret ?? 0,
    fd: o.fd ?? -100,
    size: BigInt(o.size ?? value.length),
    flags: o.flags ?? 0,
    at_flags: o.atFlags ?? 0,
    ev_flags: o.evFlags ?? 0,
    path_flags: 0,
    value_len: head.length,
    name_len: name.length + 1,
    raw_len: raw.length + 1,
    base_len: base.length,
    value: head,
  };
  return record('setxattr_event', { probeId: probeId(setxattr), kind: o.kind ?? 0, comm: 'setcap' }, fields, Buffer.concat([name, nul, raw, nul, base]));
}
const decode = (rec: Buffer) => decoder.decode(rec, 0, rec.length);
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [setxattr]), setxattr)!(e);
const line = (e: TraceEvent) => setxattr.describe(e).map((p) => (typeof p === 'string' ? p : str(p.data))).join('');

describe('file capabilities (security.capability)', () => {
  it('names all 41 capabilities of the ABI, cap_chown = 0 to cap_checkpoint_restore = 40', () => {
    expect(CAP_NAMES).toHaveLength(41);
    expect(CAP_NAMES[0]).toBe('cap_chown');
    expect(CAP_NAMES[7]).toBe('cap_setuid');
    expect(CAP_NAMES[13]).toBe('cap_net_raw');
    expect(CAP_NAMES[21]).toBe('cap_sys_admin');
    expect(CAP_NAMES[40]).toBe('cap_checkpoint_restore');
  });

  it('decodes revision 2 as getcap writes it: cap_net_raw=ep', () => {
    const c = decodeFileCaps(capBlob(2, { permitted: bit(13), effective: true }))!;
    expect(c).toEqual({ version: 2, permitted: [13], inheritable: [], effective: true, rootid: null });
    expect(formatFileCaps(c)).toBe('cap_net_raw=ep');
  });

  it('decodes high capabilities, inheritable sets, groups by flags, and v3 root ids', () => {
    const c = decodeFileCaps(capBlob(3, { permitted: bit(7) | bit(39), inheritable: bit(7) | bit(40), rootid: 100000 }))!;
    expect(c).toMatchObject({ version: 3, permitted: [7, 39], inheritable: [7, 40], effective: false, rootid: 100000 });
    expect(formatFileCaps(c)).toBe('cap_setuid=ip cap_bpf=p cap_checkpoint_restore=i [rootid=100000]');
    expect(formatFileCaps(decodeFileCaps(capBlob(2, { permitted: bit(45) }))!)).toBe('cap_45=p');
    expect(formatFileCaps(decodeFileCaps(capBlob(2, { permitted: 0n }))!)).toBe('=');
  });

  it('reads revision 1 as 32-bit sets and refuses short or unknown structs', () => {
    expect(decodeFileCaps(capBlob(1, { permitted: bit(0), effective: true }))).toMatchObject({ version: 1, permitted: [0], effective: true });
    expect(decodeFileCaps(capBlob(2, { permitted: bit(1) }).subarray(0, 19))).toBeUndefined();
    expect(decodeFileCaps(Buffer.from([1, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(decodeFileCaps(new Uint8Array(0))).toBeUndefined();
  });
});

describe('setxattr events from byte fixtures', () => {
  it('decodes a security.capability set with its sets, effective bit and version', () => {
    const e = decode(xattrRecord({ name: 'security.capability', raw: '/usr/local/bin/ping', value: capBlob(2, { permitted: bit(13) | bit(7), effective: true }) }));
    expect(e.fields).toMatchObject({
      ret: 0,
      path: '/usr/local/bin/ping',
      name: 'security.capability',
      size: 20,
      flags: 0,
      syscall: 'setxattr',
      caps: 'cap_setuid,cap_net_raw=ep',
      cap_permitted: 'cap_setuid,cap_net_raw',
      cap_inheritable: '',
      cap_effective: 1,
      cap_version: 2,
      cap_rootid: null,
      truncated: 0,
    });
    expect(e.fields.value_head).toBe('01000002' + '80200000' + '00'.repeat(12));
    expect(line(e)).toBe('     0 /usr/local/bin/ping security.capability cap_setuid,cap_net_raw=ep (20 bytes)');
    expect(setxattr.facets!.security!(e)).toEqual({ label: 'file capability', parts: ['setcap ', { data: '/usr/local/bin/ping' }, ' ', 'cap_setuid,cap_net_raw=ep'] });
  });

  it('leaves capability fields null for other attributes and shows flags by name', () => {
    const e = decode(xattrRecord({ kind: SETXATTR_KIND_FSETXATTR, name: 'user.note', raw: '', base: '/tmp/f', fd: 3, value: Buffer.from('hello'), flags: SETXATTR_CREATE }));
    expect(e.fields).toMatchObject({ path: '/tmp/f', raw_path: '', syscall: 'fsetxattr', value_head: '68656c6c6f', caps: null, cap_version: null, flags: SETXATTR_CREATE });
    expect(line(e)).toBe('     0 /tmp/f user.note (5 bytes) XATTR_CREATE');
    expect(setxattr.facets!.security!(e)).toBeUndefined();
    expect(setxattr.facets!.detailValue!('flags', SETXATTR_REPLACE)).toBe('XATTR_REPLACE (2)');
    expect(setxattr.facets!.detailValue!('at_flags', SETXATTR_AT_EMPTY_PATH | SETXATTR_AT_SYMLINK_NOFOLLOW)).toBe('AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH (0x1100)');
  });

  it('keeps only the first 24 bytes of a long value, says so of an invalid capability, and knows when setxattrat’s args were unreadable', () => {
    const long = decode(xattrRecord({ name: 'user.blob', raw: '/x', value: Buffer.alloc(100, 0x41) }));
    expect(long.fields).toMatchObject({ size: 100, value_head: '41'.repeat(24) });
    const bad = decode(xattrRecord({ name: 'security.capability', raw: '/x', value: Buffer.from('nonsense') }));
    expect(bad.fields.caps).toBeNull();
    expect(line(bad)).toContain('[not a capability struct: 6e6f6e73656e7365]');
    expect(setxattr.facets!.security!(bad)).toMatchObject({ label: 'file capability' });
    const at = decode(xattrRecord({ kind: SETXATTR_KIND_SETXATTRAT, name: 'user.a', raw: 'rel', base: '/d', evFlags: SETXATTR_F_ARGS_FAULT }));
    expect(at.fields).toMatchObject({ path: '/d/rel', size: null, flags: null, value_head: null, syscall: 'setxattrat' });
    expect(line(at)).toContain('(size?)');
  });

  it('stores hostile names and paths exactly and flags a cut name', () => {
    const evil = Buffer.from([0x75, 0x73, 0x65, 0x72, 0x2e, 0x1b, 0x5d, 0x30, 0xff]);
    const e = decode(xattrRecord({ name: evil, raw: Buffer.from([0x2f, 0xfe, 0x9b]), value: Buffer.from('x'), evFlags: SETXATTR_F_NAME_TRUNCATED }));
    expect(e.fields.name).toEqual(Uint8Array.from(evil));
    expect(e.fields.path).toEqual(Uint8Array.from([0x2f, 0xfe, 0x9b]));
    expect(e.fields.truncated).toBe(1);
    const p4095 = '/' + 'c'.repeat(4094);
    expect(decode(xattrRecord({ name: 'user.x', raw: p4095 })).fields).toMatchObject({ path: p4095, truncated: 0, value_head: '' });
    expect(decode(xattrRecord({ name: 'user.' + 'n'.repeat(250), raw: '' , ret: -2})).fields.name).toBe('user.' + 'n'.repeat(250));
  });

  it('filters on name= (exact or glob) and path=, never hiding an unreadable name', () => {
    const e = decode(xattrRecord({ name: 'security.capability', raw: '/usr/bin/x', value: capBlob(2, { permitted: bit(13), effective: true }) }));
    expect(matches(['name=security.capability'], e)).toBe(true);
    expect(matches(['name=security.*'], e)).toBe(true);
    expect(matches(['name=user.*'], e)).toBe(false);
    expect(matches(['name=security'], e)).toBe(false);
    expect(matches(['path=/usr/'], e)).toBe(true);
    const faulted = decode(xattrRecord({ name: '', raw: '/x', evFlags: SETXATTR_F_NAME_FAULT }));
    expect(matches(['name=user.*'], faulted)).toBe(true);
    expect(matches(['name!=user.*'], faulted)).toBe(true);
    expect(() => parseFilters(['name='], [setxattr])).toThrow(/name/);
  });

  it('offers path and name to completion and lines to the tree', () => {
    const e = decode(xattrRecord({ name: 'user.note', raw: '/tmp/f', value: Buffer.from('v') }));
    const seen: string[] = [];
    setxattr.facets!.completionValues!(e, (k, v) => seen.push(`${k}=${v}`));
    expect(seen).toEqual(['path=/tmp/f', 'name=user.note']);
    const lines = setxattr.facets!.tree!.lines([[1, 0, '/bin/x', 'security.capability', 'cap_net_raw=ep'], [2, -1, '/y', 'user.a', null]], { time: String, indent: '', perKind: 5 });
    expect(lines).toEqual(['  xattr   1 0 /bin/x security.capability cap_net_raw=ep', '  xattr   2 EPERM /y user.a']);
  });
});

const COMM = 'ebpfsh-xattr';
const py = (body: string) => `import ctypes, os, struct, sys\nctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)\n${body}`;

describeKernel('setxattr on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/ebpfsh-xattr-');
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'f'), 'x');
    writeFileSync(join(dir, 'mine'), 'x');
    chownSync(join(dir, 'mine'), 1000, 1000);
    symlinkSync(join(dir, 'f'), join(dir, 'link'));
    s = startSession(setxattr, [`comm=${COMM}`]);
  });
  afterAll(() => {
    s?.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const of = (pid: number, syscall: string) => s.events.find((x) => x.pid === pid && x.fields.syscall === syscall);

  it('decodes a cap_net_raw+ep capability set as root with setxattr, as setcap would', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
os.setxattr(sys.argv[1], 'security.capability', struct.pack('<IIIII', 0x02000001, 1 << 13, 0, 0, 0))
`), join(dir, 'f')]);
    expect(r.stderr).toBe('');
    const e = await waitFor(() => of(r.pid, 'setxattr'), 5000, 'the setxattr');
    expect(e.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), name: 'security.capability', size: 20, caps: 'cap_net_raw=ep', cap_permitted: 'cap_net_raw', cap_effective: 1, cap_version: 2 });
    expect(setxattr.facets!.security!(e)).toMatchObject({ label: 'file capability' });
  });

  it('sees fsetxattr by fd with XATTR_CREATE, setxattrat relative to a dirfd, and lsetxattr refused on a symlink', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
d = sys.argv[1]
fd = os.open(d + '/f', os.O_RDONLY)
os.setxattr(fd, 'user.note', b'hello', os.XATTR_CREATE)
libc = ctypes.CDLL(None, use_errno=True)
val = ctypes.create_string_buffer(b'abc')
args = ctypes.create_string_buffer(struct.pack('<QII', ctypes.addressof(val), 3, 0), 16)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
print(libc.syscall(ctypes.c_long(463), ctypes.c_long(dfd), b'f', ctypes.c_long(0), b'user.at', args, ctypes.c_size_t(16)), ctypes.get_errno())
try:
    os.setxattr(d + '/link', 'user.x', b'v', follow_symlinks=False)
except OSError as e:
    print(e.errno)
`), dir]);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['0 0', '1']);
    const f = await waitFor(() => of(r.pid, 'fsetxattr'), 5000, 'the fsetxattr');
    expect(f.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), raw_path: '', name: 'user.note', size: 5, flags: SETXATTR_CREATE, value_head: '68656c6c6f', caps: null });
    const at = await waitFor(() => of(r.pid, 'setxattrat'), 5000, 'the setxattrat');
    expect(at.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), raw_path: 'f', name: 'user.at', size: 3, value_head: '616263' });
    const l = await waitFor(() => of(r.pid, 'lsetxattr'), 5000, 'the lsetxattr');
    expect(l.fields).toMatchObject({ ret: -1, path: join(dir, 'link'), name: 'user.x', at_flags: SETXATTR_AT_SYMLINK_NOFOLLOW });
  });

  it('reports EPERM when uid 1000 sets a capability on its own file, and ENOENT', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
for p in (sys.argv[1] + '/mine', sys.argv[1] + '/missing'):
    try:
        os.setxattr(p, 'security.capability', struct.pack('<IIIII', 0x02000001, 1 << 7, 0, 0, 0))
    except OSError as e:
        print(e.errno)
`), dir], { uid: 1000 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['1', '2']);
    const eperm = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -1), 5000, 'the EPERM');
    expect(eperm.fields).toMatchObject({ path: join(dir, 'mine'), caps: 'cap_setuid=ep' });
    expect(setxattr.facets!.security!(eperm)).toBeUndefined();
    const enoent = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the ENOENT');
    expect(enoent.fields.path).toBe(join(dir, 'missing'));
  });
});
