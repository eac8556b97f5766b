import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, FilterError, type TraceEvent } from '../../src/event/index.js';
import {
  CHMOD_AT_EMPTY_PATH,
  CHMOD_KIND_CHMOD,
  CHMOD_KIND_FCHMOD,
  CHMOD_KIND_FCHMODAT2,
  UPATH_FAULT,
  UPATH_TRUNCATED,
} from '../../src/event/generated/skeleton.js';
import { probeId } from '../../src/probes/index.js';
import { chmod } from '../../src/probes/chmod/spec.js';
import { formatMode, formatOctal, parseModeTest, specialBits } from '../../src/probes/chmod/mode.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(chmod, layouts, new HeaderDecoder(layouts));
const nul = Buffer.from([0]);

/** struct chmod_event with data = raw\0 [base\0]. */
function chmodRecord(o: { ret?: number; kind?: number; raw: Buffer | string; base?: Buffer | string; mode: number; flags?: number; fd?: number; pathFlags?: number; comm?: string }): Buffer {
  const raw = Buffer.from(o.raw);
  const base = o.base === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from(o.base), nul]);
  const fields = {
    ret: o.ret ?? 0,
    fd: o.fd ?? -100,
    mode: o.mode,
    flags: o.flags ?? 0,
    path_flags: o.pathFlags ?? 0,
    raw_len: raw.length + 1,
    base_len: base.length,
  };
  return record('chmod_event', { probeId: probeId(chmod), kind: o.kind ?? CHMOD_KIND_CHMOD, comm: o.comm ?? 'python3' }, fields, Buffer.concat([raw, nul, base]));
}
const decode = (rec: Buffer) => decoder.decode(rec, 0, rec.length);
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [chmod]), chmod)!(e);
const line = (e: TraceEvent) => chmod.describe(e).map((p) => (typeof p === 'string' ? p : str(p.data))).join('');

describe('chmod mode formatting', () => {
  it('shows the boundaries as ls does: 0, 07777 and each special bit with and without its execute bit', () => {
    expect(formatMode(0)).toBe('---------');
    expect(formatMode(0o7777)).toBe('rwsrwsrwt');
    expect(formatMode(0o4755)).toBe('rwsr-xr-x');
    expect(formatMode(0o4644)).toBe('rwSr--r--');
    expect(formatMode(0o2755)).toBe('rwxr-sr-x');
    expect(formatMode(0o2745)).toBe('rwxr-Sr-x');
    expect(formatMode(0o1777)).toBe('rwxrwxrwt');
    expect(formatMode(0o1776)).toBe('rwxrwxrwT');
    expect(formatMode(0o7000)).toBe('--S--S--T');
    expect(formatOctal(0)).toBe('0000');
    expect(formatOctal(0o644)).toBe('0644');
    expect(formatOctal(0o7777)).toBe('07777');
  });

  it('names the special bits in setuid,setgid,sticky order', () => {
    expect(specialBits(0o755)).toBe('');
    expect(specialBits(0o4000)).toBe('setuid');
    expect(specialBits(0o6755)).toBe('setuid,setgid');
    expect(specialBits(0o7777)).toBe('setuid,setgid,sticky');
    expect(specialBits(0o1000)).toBe('sticky');
  });

  it('parses mode= tests: +s, u+s, g+s, +t, +x, o+w and exact octal', () => {
    const t = (v: string, m: number) => parseModeTest(v).test(m);
    expect(t('+s', 0o4755)).toBe(true);
    expect(t('+s', 0o2755)).toBe(true);
    expect(t('+s', 0o1777)).toBe(false);
    expect(t('u+s', 0o2755)).toBe(false);
    expect(t('g+s', 0o2755)).toBe(true);
    expect(t('+t', 0o1777)).toBe(true);
    expect(t('+x', 0o644)).toBe(false);
    expect(t('+x', 0o601)).toBe(true);
    expect(t('a+x', 0o610)).toBe(true);
    expect(t('u+x', 0o611)).toBe(false);
    expect(t('o+w', 0o602)).toBe(true);
    expect(t('4755', 0o4755)).toBe(true);
    expect(t('04755', 0o4755)).toBe(true);
    expect(t('755', 0o4755)).toBe(false);
    expect(t('0', 0)).toBe(true);
    for (const bad of ['+q', 'rwx', 's', '8755', '17777', 'o+s', '+sx', ''])
      expect(() => parseModeTest(bad), bad).toThrow(FilterError);
    expect(() => parseModeTest('+q')).toThrow(/mode=\+s/);
  });
});

describe('chmod events from byte fixtures', () => {
  it('decodes an absolute chmod with its mode, special bits and syscall', () => {
    const e = decode(chmodRecord({ raw: '/tmp/d/true', mode: 0o4755 }));
    expect(e.fields).toEqual({ ret: 0, path: '/tmp/d/true', raw_path: '/tmp/d/true', mode: 0o4755, special: 'setuid', flags: 0, fd: -100, syscall: 'chmod', truncated: 0 });
    expect(line(e)).toBe('     0 /tmp/d/true rwsr-xr-x (04755) [setuid]');
  });

  it('keeps only the 12 permission bits of the mode, as the kernel does', () => {
    expect(decode(chmodRecord({ raw: '/x', mode: 0o106755 })).fields).toMatchObject({ mode: 0o6755, special: 'setuid,setgid' });
  });

  it('joins a relative path to its directory and takes fchmod’s path from the fd', () => {
    const rel = decode(chmodRecord({ kind: CHMOD_KIND_CHMOD, raw: 'bin/x', base: '/home/u', mode: 0o755 }));
    expect(rel.fields).toMatchObject({ path: '/home/u/bin/x', raw_path: 'bin/x' });
    const fd = decode(chmodRecord({ kind: CHMOD_KIND_FCHMOD, raw: '', base: '/tmp/f', fd: 3, mode: 0o2755 }));
    expect(fd.fields).toMatchObject({ path: '/tmp/f', raw_path: '', fd: 3, syscall: 'fchmod', special: 'setgid' });
    const gone = decode(chmodRecord({ kind: CHMOD_KIND_FCHMOD, raw: '', fd: 9, mode: 0o644 }));
    expect(line(gone)).toBe('     0 fd 9 rw-r--r-- (0644)');
  });

  it('shows fchmodat2 flags and names AT_EMPTY_PATH', () => {
    const e = decode(chmodRecord({ kind: CHMOD_KIND_FCHMODAT2, raw: '', base: '/tmp/f', fd: 5, mode: 0o700, flags: CHMOD_AT_EMPTY_PATH }));
    expect(e.fields).toMatchObject({ path: '/tmp/f', syscall: 'fchmodat2', flags: CHMOD_AT_EMPTY_PATH });
    expect(line(e)).toBe('     0 /tmp/f rwx------ (0700) AT_EMPTY_PATH');
    expect(chmod.facets!.detailValue!('flags', CHMOD_AT_EMPTY_PATH | 0x100)).toBe('AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH (0x1100)');
    expect(chmod.facets!.detailValue!('mode', 0o4755)).toBe('rwsr-xr-x (04755)');
  });

  it('stores hostile path bytes exactly (escape sequences, invalid UTF-8)', () => {
    const bad = Buffer.from([0x2f, 0x74, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0xfe]);
    const e = decode(chmodRecord({ raw: bad, mode: 0o4755 }));
    expect(e.fields.path).toEqual(Uint8Array.from(bad));
    expect(e.fields.raw_path).toEqual(Uint8Array.from(bad));
    const comm = decode(chmodRecord({ raw: '/x', mode: 0o4755, comm: '\x1b[2J\xff' }));
    expect(comm.comm).toEqual(Uint8Array.from([0x1b, 0x5b, 0x32, 0x4a, 0xff]));
    const esc = decode(chmodRecord({ raw: '/tmp/\x1b]0;owned\x07', mode: 0o644 }));
    expect(esc.fields.path).toBe('/tmp/\x1b]0;owned\x07');
    expect(chmod.describe(esc).some((p) => typeof p !== 'string' && p.data === '/tmp/\x1b]0;owned\x07')).toBe(true);
  });

  it('decodes path lengths 0, 4095, 4096 (cut) and a cut base', () => {
    expect(decode(chmodRecord({ ret: -2, raw: '', mode: 0o644 })).fields).toMatchObject({ path: '', raw_path: '', truncated: 0 });
    const p4095 = '/' + 'a'.repeat(4094);
    expect(decode(chmodRecord({ raw: p4095, mode: 0o644 })).fields).toMatchObject({ path: p4095, truncated: 0 });
    const cut = decode(chmodRecord({ ret: -36, raw: '/' + 'a'.repeat(4095), mode: 0o644, pathFlags: UPATH_TRUNCATED }));
    expect(cut.fields).toMatchObject({ truncated: 1 });
    expect(line(cut)).toContain('[truncated]');
    const fault = decode(chmodRecord({ ret: -14, raw: '', mode: 0o644, pathFlags: UPATH_FAULT }));
    expect(fault.fields).toMatchObject({ path: '', truncated: 0 });
  });

  it('filters on path= (prefix, glob, raw) and mode=, and never hides an unknown path from path=', () => {
    const e = decode(chmodRecord({ raw: 'x', base: '/tmp/d', mode: 0o4755 }));
    expect(matches(['path=/tmp/'], e)).toBe(true);
    expect(matches(['path=*/x'], e)).toBe(true);
    expect(matches(['path=x'], e)).toBe(true);
    expect(matches(['path=/etc/'], e)).toBe(false);
    expect(matches(['mode=+s'], e)).toBe(true);
    expect(matches(['mode=g+s,+t'], e)).toBe(false);
    expect(matches(['mode!=4755'], e)).toBe(false);
    const unknown = decode(chmodRecord({ kind: CHMOD_KIND_FCHMOD, raw: '', fd: 7, mode: 0o644 }));
    expect(matches(['path=/etc/'], unknown)).toBe(true);
    expect(matches(['path!=/etc/'], unknown)).toBe(true);
    expect(() => parseFilters(['mode=+z'], [chmod])).toThrow(/mode: '\+z'/);
  });

  it('offers path and octal mode to completion, lines to the tree, setuid/setgid to the security panel', () => {
    const e = decode(chmodRecord({ raw: '/tmp/d/true', mode: 0o6755 }));
    const seen: string[] = [];
    chmod.facets!.completionValues!(e, (k, v) => seen.push(`${k}=${v}`));
    expect(seen).toEqual(['path=/tmp/d/true', 'mode=06755']);
    expect(chmod.facets!.security!(e)).toMatchObject({ label: 'setuid bit' });
    expect(chmod.facets!.security!(decode(chmodRecord({ raw: '/x', mode: 0o2755 })))).toMatchObject({ label: 'setgid bit' });
    expect(chmod.facets!.security!(decode(chmodRecord({ raw: '/x', mode: 0o1777 })))).toBeUndefined();
    expect(chmod.facets!.security!(decode(chmodRecord({ ret: -1, raw: '/x', mode: 0o4755 })))).toBeUndefined();
    const lines = chmod.facets!.tree!.lines([[1, 0, '/tmp/x', 0o4755], [2, -1, '/etc/passwd', 0o666]], { time: String, indent: '', perKind: 1 });
    expect(lines).toEqual(['  chmod   1 0 /tmp/x rwsr-xr-x', '  … more chmod events (query the capture for all)']);
  });
});

/** Python run under its own comm, so other sessions' python3 runs never show here. */
const COMM = 'ebpfsh-chmod';
const py = (body: string) => `import ctypes, os, sys\nctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)\n${body}`;

describeKernel('chmod on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/ebpfsh-chmod-');
    chmodSync(dir, 0o777);
    copyFileSync('/bin/true', join(dir, 'true'));
    chownSync(join(dir, 'true'), 1000, 1000);
    writeFileSync(join(dir, 'rootfile'), 'x');
    s = startSession(chmod, [`comm=${COMM}`]);
  });
  afterAll(() => {
    s?.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const of = (pid: number, syscall: string) => s.events.find((x) => x.pid === pid && x.fields.syscall === syscall);

  it('sees uid 1000 set setuid with chmod, setgid with fchmod, and chmod relative to a dirfd', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
d = sys.argv[1]
os.chmod(d + '/true', 0o4755)
fd = os.open(d + '/true', os.O_RDONLY)
os.fchmod(fd, 0o2755)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.chmod('true', 0o755, dir_fd=dfd)
`), dir], { uid: 1000 });
    expect(r.stderr).toBe('');
    const c = await waitFor(() => of(r.pid, 'chmod'), 5000, 'the chmod');
    expect(c.uid).toBe(1000);
    expect(c.fields).toMatchObject({ ret: 0, path: join(dir, 'true'), mode: 0o4755, special: 'setuid' });
    expect(chmod.facets!.security!(c)).toMatchObject({ label: 'setuid bit' });
    const f = await waitFor(() => of(r.pid, 'fchmod'), 5000, 'the fchmod');
    expect(f.fields).toMatchObject({ ret: 0, path: join(dir, 'true'), raw_path: '', mode: 0o2755, special: 'setgid' });
    const at = await waitFor(() => of(r.pid, 'fchmodat'), 5000, 'the fchmodat');
    expect(at.fields).toMatchObject({ ret: 0, path: join(dir, 'true'), raw_path: 'true', mode: 0o755, special: '' });
  });

  it('sees fchmodat2 with AT_EMPTY_PATH name the fd, made the way a program calls it (raw syscall)', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1] + '/true', os.O_RDONLY)
print(libc.syscall(452, fd, b"", 0o700, 0x1000), ctypes.get_errno())
`), dir], { uid: 1000 });
    expect(r.stdout.trim()).toBe('0 0');
    const e = await waitFor(() => of(r.pid, 'fchmodat2'), 5000, 'the fchmodat2');
    expect(e.fields).toMatchObject({ ret: 0, flags: CHMOD_AT_EMPTY_PATH, mode: 0o700, path: join(dir, 'true'), raw_path: '' });
  });

  it('reports failures with -errno: ENOENT, and EPERM setting setuid on a root-owned file as uid 1000', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
for p, m in ((sys.argv[1] + '/missing', 0o644), (sys.argv[1] + '/rootfile', 0o4777)):
    try:
        os.chmod(p, m)
    except OSError as e:
        print(e.errno)
`), dir], { uid: 1000 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['2', '1']);
    const missing = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the ENOENT');
    expect(missing.fields).toMatchObject({ path: join(dir, 'missing'), mode: 0o644 });
    const eperm = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -1), 5000, 'the EPERM');
    expect(eperm.fields).toMatchObject({ path: join(dir, 'rootfile'), mode: 0o4777, special: 'setuid' });
    expect(chmod.facets!.security!(eperm)).toBeUndefined();
  });

  it('carries a 4095-byte path whole and flags a 4096-byte one as cut (ENAMETOOLONG)', async () => {
    const target = join(dir, 'rootfile');
    const p4095 = '/'.repeat(4095 - target.length) + target;
    const p4096 = '/' + p4095;
    const r = await run('/usr/bin/python3', ['-c', py(`
for p in sys.argv[1:]:
    try:
        os.chmod(p, 0o640)
    except OSError as e:
        print(e.errno)
`), p4095, p4096]);
    expect(r.stdout.trim()).toBe('36');
    const whole = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === 0), 5000, 'the 4095-byte chmod');
    expect(str(whole.fields.raw_path)).toBe(p4095);
    expect(whole.fields.truncated).toBe(0);
    const cut = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -36), 5000, 'the 4096-byte chmod');
    expect(cut.fields.truncated).toBe(1);
    expect(str(cut.fields.raw_path)).toBe(p4096.slice(0, 4095));
  });
});
