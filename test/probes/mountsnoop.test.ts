import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import {
  MOUNT_F_DATA_TRUNCATED,
  MOUNT_F_SOURCE_PATH,
  MOUNT_KIND_FSMOUNT,
  MOUNT_KIND_FSOPEN,
  MOUNT_KIND_MOUNT,
  MOUNT_KIND_MOVE_MOUNT,
  MOUNT_KIND_PIVOT_ROOT,
  MOUNT_KIND_UMOUNT,
  UPATH_BASE_TRUNCATED,
  UPATH_TRUNCATED,
} from '../../src/event/generated/skeleton.js';
import { findProbe, probeId } from '../../src/probes/index.js';
import { mountsnoop } from '../../src/probes/mountsnoop/spec.js';
import { flagNames, formatMsFlags, msFlags } from '../../src/probes/mountsnoop/flags.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(mountsnoop, layouts, new HeaderDecoder(layouts));
const AT_FDCWD = -100;
const MS_NOSUID = 2, MS_NODEV = 4, MS_BIND = 4096, MS_REC = 16384;

interface MountFixture {
  kind: number;
  ret?: number;
  source?: Buffer | string;
  sourceBase?: Buffer | string;
  target?: Buffer | string;
  targetBase?: Buffer | string;
  type?: string;
  data?: Buffer | string;
  flags?: number;
  attr?: number;
  from?: number;
  to?: number;
  evFlags?: number;
  sourceFlags?: number;
  targetFlags?: number;
}
/** A segment as the kernel writes it: the bytes and a NUL, or nothing when absent. */
const seg = (v: Buffer | string | undefined) => (v === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1'), Buffer.from([0])]));
function mountRecord(o: MountFixture): Buffer {
  const parts = [seg(o.source), seg(o.sourceBase), seg(o.target), seg(o.targetBase), seg(o.type), seg(o.data)];
  return record(
    'mount_event',
    { probeId: probeId(mountsnoop), kind: o.kind, comm: 'mount' },
    {
      ret: o.ret ?? 0,
      from_dfd: o.from ?? AT_FDCWD,
      to_dfd: o.to ?? AT_FDCWD,
      source_flags: o.sourceFlags ?? 0,
      target_flags: o.targetFlags ?? 0,
      flags: BigInt(o.flags ?? 0),
      attr_flags: BigInt(o.attr ?? 0),
      ev_flags: o.evFlags ?? 0,
      source_len: parts[0]!.length,
      source_base_len: parts[1]!.length,
      target_len: parts[2]!.length,
      target_base_len: parts[3]!.length,
      type_len: parts[4]!.length,
      data_len: parts[5]!.length,
    },
    Buffer.concat(parts),
  );
}
const decode = (b: Buffer) => decoder.decode(b, 0, b.length);
const line = (e: TraceEvent) => mountsnoop.describe(e).map((p) => (typeof p === 'string' ? p : `«${str(p.data)}»`)).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [mountsnoop]), mountsnoop)!(e);

describe('mountsnoop flags', () => {
  it('names MS_* flags, drops the old magic number and shows unknown bits in hex', () => {
    expect(formatMsFlags(MS_BIND | MS_REC)).toBe('MS_BIND|MS_REC');
    expect(formatMsFlags(0)).toBe('0');
    expect(msFlags(0xc0ed0000 + MS_NOSUID)).toBe(MS_NOSUID);
    expect(formatMsFlags(0xc0ed0000 + MS_NOSUID)).toBe('MS_NOSUID');
    expect(msFlags(0x00ed0000 + MS_NOSUID)).toBe(0x00ed0000 + MS_NOSUID);
    expect(formatMsFlags(2 ** 40 + 1)).toBe('MS_RDONLY|0x10000000000');
    expect(flagNames(0x12, { A: 2 })).toBe('A|0x10');
  });
});

describe('mountsnoop records', () => {
  it('decodes a mount with its source string, absolute target, type, options and flags', () => {
    const e = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'tmpfs', target: 'mnt', targetBase: '/srv/x', type: 'tmpfs', data: 'size=1m', flags: MS_NOSUID | MS_NODEV }));
    expect(e.fields).toEqual({
      ret: 0, syscall: 'mount', source: 'tmpfs', target: '/srv/x/mnt', type: 'tmpfs', options: 'size=1m', flags: 6, op_flags: null, attr_flags: null, from_dfd: null, to_dfd: null, truncated: 0,
    });
    expect(line(e)).toBe('     0 mount «tmpfs» on «/srv/x/mnt» type «tmpfs» MS_NOSUID|MS_NODEV («size=1m»)');
  });

  it('makes a bind mount’s relative source absolute, and keeps a remount’s missing source, type and options null', () => {
    const bind = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'src', sourceBase: '/', target: '/mnt', flags: MS_BIND, evFlags: MOUNT_F_SOURCE_PATH }));
    expect(bind.fields).toMatchObject({ source: '/src', target: '/mnt', type: null, options: null });
    expect(line(bind)).toBe('     0 mount «/src» on «/mnt» MS_BIND');
    const failed = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, ret: -1, target: '/', flags: 32 }));
    expect(failed.fields).toMatchObject({ ret: -1, source: null, target: '/', flags: 32 });
    expect(line(failed)).toBe(' EPERM mount «» on «/» MS_REMOUNT');
  });

  it('decodes umount2, move_mount, fsopen, fsmount and pivot_root with their own flags', () => {
    const um = decode(mountRecord({ kind: MOUNT_KIND_UMOUNT, target: '/mnt', flags: 2 }));
    expect(um.fields).toMatchObject({ syscall: 'umount2', target: '/mnt', flags: null, op_flags: 2 });
    expect(line(um)).toBe('     0 umount2 «/mnt» MNT_DETACH');
    const mv = decode(mountRecord({ kind: MOUNT_KIND_MOVE_MOUNT, source: '', sourceBase: '/', target: 'b', targetBase: '/a', from: 5, to: AT_FDCWD, flags: 4 }));
    expect(mv.fields).toMatchObject({ syscall: 'move_mount', source: '/', target: '/a/b', from_dfd: 5, to_dfd: -100, op_flags: 4 });
    expect(line(mv)).toBe('     0 move_mount «/» -> «/a/b» MOVE_MOUNT_F_EMPTY_PATH');
    const fo = decode(mountRecord({ kind: MOUNT_KIND_FSOPEN, ret: 3, type: 'overlay', flags: 1 }));
    expect(fo.fields).toMatchObject({ syscall: 'fsopen', type: 'overlay', source: null, target: null, op_flags: 1 });
    expect(line(fo)).toBe('     3 fsopen «overlay» FSOPEN_CLOEXEC');
    const fm = decode(mountRecord({ kind: MOUNT_KIND_FSMOUNT, ret: 4, from: 3, flags: 1, attr: 0xa }));
    expect(fm.fields).toMatchObject({ syscall: 'fsmount', from_dfd: 3, attr_flags: 0xa, op_flags: 1 });
    expect(line(fm)).toBe('     4 fsmount fd 3 FSMOUNT_CLOEXEC MOUNT_ATTR_NOSUID|MOUNT_ATTR_NOEXEC');
    const pr = decode(mountRecord({ kind: MOUNT_KIND_PIVOT_ROOT, source: 'old', sourceBase: '/new', target: '/new' }));
    expect(pr.fields).toMatchObject({ syscall: 'pivot_root', target: '/new', source: '/new/old', op_flags: null, flags: null });
    expect(line(pr)).toBe('     0 pivot_root new root «/new», old root to «/new/old»');
  });

  it('keeps hostile bytes in source, target and options exact', () => {
    const evil = Buffer.from([0x2f, 0x1b, 0x5d, 0x30, 0x3b, 0x07, 0xff, 0x41]);
    const e = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: evil, target: evil, type: 'tmpfs', data: Buffer.from([0x9b, 0x32, 0x4a]) }));
    expect(e.fields.source).toEqual(Uint8Array.from(evil));
    expect(e.fields.target).toEqual(Uint8Array.from(evil));
    expect(e.fields.options).toEqual(Uint8Array.from([0x9b, 0x32, 0x4a]));
  });

  it('takes paths of every length up to PATH_MAX whole and marks a cut one', () => {
    const empty = decode(mountRecord({ kind: MOUNT_KIND_UMOUNT, target: '', ret: -2 }));
    expect(empty.fields).toMatchObject({ target: '', truncated: 0 });
    const p4095 = '/' + 'a'.repeat(4094);
    expect(decode(mountRecord({ kind: MOUNT_KIND_UMOUNT, target: p4095 })).fields).toMatchObject({ target: p4095, truncated: 0 });
    const p4096 = '/' + 'b'.repeat(4095); // what the kernel reads of a longer path: 4096 bytes, flagged cut
    expect(decode(mountRecord({ kind: MOUNT_KIND_UMOUNT, target: p4096, targetFlags: UPATH_TRUNCATED, ret: -36 })).fields).toMatchObject({ target: p4096, truncated: 1 });
    const rel = 'c'.repeat(4095);
    const base = '/' + 'd'.repeat(4094);
    const long = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'x', target: rel, targetBase: base, targetFlags: UPATH_BASE_TRUNCATED }));
    expect(str(long.fields.target)).toBe(`${base}/${rel}`);
    expect(long.fields.truncated).toBe(1);
    expect(decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'x', target: '/t', data: 'o'.repeat(1023), evFlags: MOUNT_F_DATA_TRUNCATED })).fields.truncated).toBe(1);
  });

  it('filters by target path pattern and filesystem type', () => {
    const e = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'tmpfs', target: 'mnt', targetBase: '/tmp/x', type: 'tmpfs' }));
    const fo = decode(mountRecord({ kind: MOUNT_KIND_FSOPEN, ret: 3, type: 'overlay' }));
    expect(matches(['target=/tmp/'], e)).toBe(true);
    expect(matches(['target=/tmp/x/mnt'], e)).toBe(true);
    expect(matches(['target=*/mnt'], e)).toBe(true);
    expect(matches(['target=/etc/'], e)).toBe(false);
    expect(matches(['target=/tmp/'], fo)).toBe(false);
    expect(matches(['type=tmpfs'], e)).toBe(true);
    expect(matches(['type=overlay,proc'], fo)).toBe(true);
    expect(matches(['type!=tmpfs'], fo)).toBe(true);
    expect(() => parseFilters(['type=a b'], [mountsnoop])).toThrow(/type: 'a b' is not a filesystem type \(e\.g\. type=tmpfs/);
    expect(() => parseFilters(['target='], [mountsnoop])).toThrow(/no value/);
  });

  it('is what `mount` names; its facets name flags, offer values, list attaching mounts as security events and draw tree lines', () => {
    expect(findProbe('mount')).toBe(mountsnoop);
    expect(findProbe('mountsnoop')).toBe(mountsnoop);
    const f = mountsnoop.facets!;
    expect(f.detailValue!('flags', MS_BIND | MS_REC)).toBe('MS_BIND|MS_REC (0x5000)');
    expect(f.detailValue!('attr_flags', 2)).toBe('MOUNT_ATTR_NOSUID (0x2)');
    expect(f.detailValue!('op_flags', 2)).toBeUndefined();
    const e = decode(mountRecord({ kind: MOUNT_KIND_MOUNT, source: 'tmpfs', target: '/tmp/x', type: 'tmpfs' }));
    const offered: [string, string][] = [];
    f.completionValues!(e, (k, v) => offered.push([k, v]));
    expect(offered).toEqual([['target', '/tmp/x'], ['type', 'tmpfs']]);
    const note = f.security!(e)!;
    expect(note.label).toBe('mount');
    expect(note.parts.map((p) => (typeof p === 'string' ? p : `«${str(p.data)}»`)).join('')).toBe('mount «tmpfs» on «/tmp/x» type «tmpfs»');
    expect(f.security!(decode(mountRecord({ kind: MOUNT_KIND_MOUNT, ret: -1, source: 'tmpfs', target: '/tmp/x' })))).toBeUndefined();
    expect(f.security!(decode(mountRecord({ kind: MOUNT_KIND_UMOUNT, target: '/tmp/x' })))).toBeUndefined();
    expect(f.security!(decode(mountRecord({ kind: MOUNT_KIND_FSOPEN, ret: 3, type: 'tmpfs' })))).toBeUndefined();
    expect(f.security!(decode(mountRecord({ kind: MOUNT_KIND_MOVE_MOUNT, source: '', sourceBase: '/', target: '/srv' })))!.label).toBe('mount');
    expect(f.security!(decode(mountRecord({ kind: MOUNT_KIND_PIVOT_ROOT, source: '/n/o', target: '/n' })))!.parts).toEqual(['pivot_root to ', { data: '/n' }]);
    const rows = [
      [1, 'mount', 0, 'tmpfs', '/tmp/x', 'tmpfs'],
      [2, 'fsopen', 3, null, null, 'overlay'],
      [3, 'umount2', -1, null, '/\x1b[2J', null],
    ];
    expect(f.tree!.lines(rows, { time: String, indent: '', perKind: 10 })).toEqual([
      '  mount   1 mount tmpfs -> /tmp/x (tmpfs) 0',
      '  mount   2 fsopen overlay 3',
      '  mount   3 umount2 /\\e[2J EPERM',
    ]);
  });
});

describeKernel('mountsnoop on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  const mounted = () => spawnSync('findmnt', ['-rn', '-o', 'TARGET']).stdout.toString().split('\n').filter((t) => t.startsWith(dir));
  beforeAll(() => {
    dir = mkdtempSync('/tmp/ebpfsh-mount-');
    chmodSync(dir, 0o777);
    mkdirSync(join(dir, 'mnt'));
    mkdirSync(join(dir, 'src'));
    s = startSession(mountsnoop, ['comm=python3']);
  });
  afterAll(() => {
    s.engine.close();
    for (const t of mounted().reverse()) spawnSync('umount', ['-l', t]);
    rmSync(dir, { recursive: true, force: true });
  });
  const PRELUDE = 'import ctypes, os, sys\nlibc = ctypes.CDLL(None, use_errno=True)\n' +
    'libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]\n' +
    'libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]\n' +
    'def call(r): print(r if r >= 0 else -ctypes.get_errno())\n';
  const py = (code: string, opts: { uid?: number } = {}) => run('/usr/bin/python3', ['-c', PRELUDE + code], { cwd: dir, ...opts });
  const eventsOf = (pid: number, n: number) => waitFor(() => { const evs = s.events.filter((e) => e.pid === pid); return evs.length >= n && evs; }, 5000, `${n} events of ${pid}`);

  it('attaches every call by its syscall tracepoints', () => {
    expect(s.attachment.attachPoints).toEqual(mountsnoop.hooks.map((h) => h.choices[0]!.attach));
  });

  it('sees a tmpfs mounted on a relative target (made absolute), a bind mount of a relative source, and their unmounts', async () => {
    const r = await py(
      'call(libc.mount(b"ebpfsh-src", b"mnt", b"tmpfs", 6, b"size=1m,mode=755"))\ncall(libc.umount2(b"mnt", 2))\n' +
        'call(libc.mount(b"src", b"mnt", None, 4096, None))\ncall(libc.umount2(b"mnt", 0))',
    );
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['0', '0', '0', '0']);
    const [mount, umount, bind, unbind] = await eventsOf(r.pid, 4);
    expect(mount!.fields).toMatchObject({
      syscall: 'mount', ret: 0, source: 'ebpfsh-src', target: join(dir, 'mnt'), type: 'tmpfs', options: 'size=1m,mode=755', flags: MS_NOSUID | MS_NODEV, truncated: 0,
    });
    expect(line(mount!)).toContain('MS_NOSUID|MS_NODEV');
    expect(umount!.fields).toMatchObject({ syscall: 'umount2', ret: 0, target: join(dir, 'mnt'), op_flags: 2, source: null });
    expect(bind!.fields).toMatchObject({ syscall: 'mount', ret: 0, source: join(dir, 'src'), target: join(dir, 'mnt'), type: null, options: null, flags: MS_BIND });
    expect(unbind!.fields).toMatchObject({ syscall: 'umount2', ret: 0, op_flags: 0 });
    expect(mountsnoop.facets!.security!(mount!)!.label).toBe('mount');
    expect(mounted()).toEqual([]);
  });

  it('sees a mount refused to uid 1000 (EPERM) and one onto a missing target (ENOENT)', async () => {
    const denied = await py('call(libc.mount(b"none", b"mnt", b"tmpfs", 0, None))', { uid: 1000 });
    expect(denied.stdout.trim()).toBe('-1');
    const [d] = await eventsOf(denied.pid, 1);
    expect(d!.uid).toBe(1000);
    expect(d!.fields).toMatchObject({ syscall: 'mount', ret: -1, source: 'none', target: join(dir, 'mnt'), type: 'tmpfs' });
    expect(mountsnoop.facets!.security!(d!)).toBeUndefined();
    const missing = await py('call(libc.mount(b"none", b"nowhere/deeper", b"tmpfs", 0, None))');
    expect(missing.stdout.trim()).toBe('-2');
    const [m] = await eventsOf(missing.pid, 1);
    expect(m!.fields).toMatchObject({ ret: -2, target: join(dir, 'nowhere/deeper') });
    const pivot = await py('call(libc.syscall(155, b"/nonexistent", b"/nonexistent/old"))', { uid: 1000 });
    const [p] = await eventsOf(pivot.pid, 1);
    expect(p!.fields).toMatchObject({ syscall: 'pivot_root', target: '/nonexistent', source: '/nonexistent/old' });
    expect(p!.fields.ret as number).toBeLessThan(0);
  });

  it.skipIf(arch() !== 'x64')('sees the new mount API: fsopen, fsmount and move_mount onto a directory', async () => {
    // x86_64 numbers: move_mount 429, fsopen 430, fsconfig 431 (FSCONFIG_CMD_CREATE = 6), fsmount 432
    const r = await py(
      'S = libc.syscall\nS.restype = ctypes.c_long\nfs = S(430, b"tmpfs", 1)\ncall(fs)\ncall(S(431, fs, 6, None, None, 0))\n' +
        'm = S(432, fs, 1, 2)\ncall(m)\ncall(S(429, m, b"", -100, b"mnt", 4))\ncall(libc.umount2(b"mnt", 2))',
    );
    const [fs, , m, moved] = r.stdout.split('\n').map(Number);
    expect(moved).toBe(0);
    const evs = await eventsOf(r.pid, 4);
    expect(evs.map((e) => e.fields.syscall)).toEqual(['fsopen', 'fsmount', 'move_mount', 'umount2']);
    expect(evs[0]!.fields).toMatchObject({ ret: fs, type: 'tmpfs', op_flags: 1 });
    expect(evs[1]!.fields).toMatchObject({ ret: m, from_dfd: fs, op_flags: 1, attr_flags: 2 });
    expect(evs[2]!.fields).toMatchObject({ ret: 0, from_dfd: m, to_dfd: -100, op_flags: 4, target: join(dir, 'mnt') });
    // the fd's path when the call returns: the mount it names is attached by then
    expect(evs[2]!.fields.source).toBe(join(dir, 'mnt'));
    expect(mountsnoop.facets!.security!(evs[2]!)!.label).toBe('mount');
  });
});
