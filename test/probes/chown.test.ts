import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { CHOWN_AT_EMPTY_PATH, CHOWN_AT_SYMLINK_NOFOLLOW, CHOWN_KIND_FCHOWN, CHOWN_KIND_FCHOWNAT, CHOWN_KIND_LCHOWN, UPATH_BASE_TRUNCATED } from '../../src/event/generated/skeleton.js';
import { probeId } from '../../src/probes/index.js';
import { chown } from '../../src/probes/chown/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(chown, layouts, new HeaderDecoder(layouts));
const nul = Buffer.from([0]);

/** struct chown_event with data = raw\0 [base\0]; uid/gid -1 = unchanged. */
function chownRecord(o: { ret?: number; kind?: number; raw: Buffer | string; base?: Buffer | string; owner: number; group: number; flags?: number; fd?: number; pathFlags?: number; uid?: number }): Buffer {
  const raw = Buffer.from(o.raw);
  const base = o.base === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from(o.base), nul]);
  const fields = {
    ret: o.ret ?? 0,
    fd: o.fd ?? -100,
    owner: o.owner >>> 0,
    group: o.group >>> 0,
    flags: o.flags ?? 0,
    path_flags: o.pathFlags ?? 0,
    raw_len: raw.length + 1,
    base_len: base.length,
  };
  const rec = record('chown_event', { probeId: probeId(chown), kind: o.kind ?? 0, comm: 'python3' }, fields, Buffer.concat([raw, nul, base]));
  return rec;
}
const decode = (rec: Buffer) => decoder.decode(rec, 0, rec.length);
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [chown]), chown)!(e);
const line = (e: TraceEvent) => chown.describe(e).map((p) => (typeof p === 'string' ? p : str(p.data))).join('');

describe('chown events from byte fixtures', () => {
  it('decodes a chown with the new owner and an unchanged group shown as -', () => {
    const e = decode(chownRecord({ raw: '/etc/shadow', owner: 1000, group: -1 }));
    expect(e.fields).toEqual({ ret: 0, path: '/etc/shadow', raw_path: '/etc/shadow', new_uid: 1000, new_gid: -1, flags: 0, fd: -100, syscall: 'chown', truncated: 0 });
    expect(line(e)).toBe('     0 /etc/shadow owner 1000:-');
    expect(chown.facets!.detailValue!('new_gid', -1)).toBe('- (unchanged)');
    expect(chown.facets!.detailValue!('new_uid', 0)).toBeUndefined();
  });

  it('takes fchown’s path from the fd, joins fchownat’s relative path, names the flags', () => {
    const fd = decode(chownRecord({ kind: CHOWN_KIND_FCHOWN, raw: '', base: '/tmp/f', fd: 4, owner: -1, group: 0 }));
    expect(fd.fields).toMatchObject({ path: '/tmp/f', raw_path: '', syscall: 'fchown', new_uid: -1, new_gid: 0 });
    const at = decode(chownRecord({ kind: CHOWN_KIND_FCHOWNAT, raw: 'link', base: '/srv', fd: 3, owner: 0, group: 0, flags: CHOWN_AT_SYMLINK_NOFOLLOW }));
    expect(at.fields).toMatchObject({ path: '/srv/link', raw_path: 'link', syscall: 'fchownat' });
    expect(line(at)).toBe('     0 /srv/link owner 0:0 AT_SYMLINK_NOFOLLOW');
    expect(chown.facets!.detailValue!('flags', CHOWN_AT_EMPTY_PATH)).toBe('AT_EMPTY_PATH (0x1000)');
    const l = decode(chownRecord({ kind: CHOWN_KIND_LCHOWN, raw: '/x', owner: 1, group: 1, flags: CHOWN_AT_SYMLINK_NOFOLLOW }));
    expect(l.fields.syscall).toBe('lchown');
  });

  it('stores hostile bytes exactly and flags a cut directory path', () => {
    const bad = Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0x28]);
    const e = decode(chownRecord({ raw: bad, base: '/d', owner: 0, group: 0, pathFlags: UPATH_BASE_TRUNCATED }));
    expect(e.fields.raw_path).toEqual(Uint8Array.from(bad));
    expect(e.fields.path).toEqual(Uint8Array.from(Buffer.concat([Buffer.from('/d/'), bad])));
    expect(e.fields.truncated).toBe(1);
    const p4095 = '/' + 'b'.repeat(4094);
    expect(decode(chownRecord({ raw: p4095, owner: 0, group: 0 })).fields.path).toBe(p4095);
    expect(decode(chownRecord({ raw: '', owner: 0, group: 0, ret: -2 })).fields.path).toBe('');
  });

  it('filters on path= and owner= (uid, user name or -)', () => {
    const e = decode(chownRecord({ raw: '/tmp/x', owner: 0, group: -1 }));
    expect(matches(['path=/tmp/'], e)).toBe(true);
    expect(matches(['owner=0'], e)).toBe(true);
    expect(matches(['owner=root'], e)).toBe(true);
    expect(matches(['owner=1000,-'], e)).toBe(false);
    expect(matches(['owner=-'], decode(chownRecord({ raw: '/x', owner: -1, group: 5 })))).toBe(true);
    expect(() => parseFilters(['owner=no-such-user-here'], [chown])).toThrow(/owner: 'no-such-user-here'.*owner=0/);
  });

  it('notes a chown to root by a non-root process, offers completion values and tree lines', () => {
    const e = decode(chownRecord({ raw: '/tmp/sh', owner: 0, group: 0 }));
    expect(chown.facets!.security!(e)).toMatchObject({ label: 'chown to root' });
    expect(chown.facets!.security!({ ...e, uid: 0 })).toBeUndefined();
    expect(chown.facets!.security!(decode(chownRecord({ ret: -1, raw: '/tmp/sh', owner: 0, group: 0 })))).toBeUndefined();
    const seen: string[] = [];
    chown.facets!.completionValues!(e, (k, v) => seen.push(`${k}=${v}`));
    expect(seen).toEqual(['path=/tmp/sh', 'owner=0']);
    expect(chown.facets!.tree!.lines([[1, 0, '/tmp/sh', 0, -1]], { time: String, indent: '', perKind: 5 })).toEqual(['  chown   1 0 /tmp/sh 0:-']);
  });
});

const COMM = 'ebpfsh-chown';
const py = (body: string) => `import ctypes, os, sys\nctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)\n${body}`;

describeKernel('chown on the real kernel', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/ebpfsh-chown-');
    chmodSync(dir, 0o777);
    writeFileSync(join(dir, 'f'), 'x');
    writeFileSync(join(dir, 'mine'), 'x');
    chownSync(join(dir, 'mine'), 1000, 1000);
    symlinkSync(join(dir, 'f'), join(dir, 'link'));
    s = startSession(chown, [`comm=${COMM}`]);
  });
  afterAll(() => {
    s?.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const of = (pid: number, syscall: string) => s.events.find((x) => x.pid === pid && x.fields.syscall === syscall);

  it('sees chown, fchown, lchown and fchownat relative to a dirfd, with -1 kept as unchanged', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
d = sys.argv[1]
os.chown(d + '/f', 1000, -1)
fd = os.open(d + '/f', os.O_RDONLY)
os.fchown(fd, -1, 1000)
os.lchown(d + '/link', 1000, 1000)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.chown('f', 0, 0, dir_fd=dfd, follow_symlinks=False)
`), dir]);
    expect(r.stderr).toBe('');
    const c = await waitFor(() => of(r.pid, 'chown'), 5000, 'the chown');
    expect(c.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), new_uid: 1000, new_gid: -1 });
    const f = await waitFor(() => of(r.pid, 'fchown'), 5000, 'the fchown');
    expect(f.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), raw_path: '', new_uid: -1, new_gid: 1000 });
    const l = await waitFor(() => of(r.pid, 'lchown'), 5000, 'the lchown');
    expect(l.fields).toMatchObject({ ret: 0, path: join(dir, 'link'), flags: CHOWN_AT_SYMLINK_NOFOLLOW });
    const at = await waitFor(() => of(r.pid, 'fchownat'), 5000, 'the fchownat');
    expect(at.fields).toMatchObject({ ret: 0, path: join(dir, 'f'), raw_path: 'f', new_uid: 0, new_gid: 0, flags: CHOWN_AT_SYMLINK_NOFOLLOW });
    expect(chown.facets!.security!(at)).toBeUndefined(); // root giving a file to root is not news
  });

  it('reports EPERM when uid 1000 gives its file to root, and ENOENT', async () => {
    const r = await run('/usr/bin/python3', ['-c', py(`
for p in (sys.argv[1] + '/mine', sys.argv[1] + '/missing'):
    try:
        os.chown(p, 0, 0)
    except OSError as e:
        print(e.errno)
`), dir], { uid: 1000 });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['1', '2']);
    const eperm = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -1), 5000, 'the EPERM');
    expect(eperm.uid).toBe(1000);
    expect(eperm.fields).toMatchObject({ path: join(dir, 'mine'), new_uid: 0, new_gid: 0 });
    expect(chown.facets!.security!(eperm)).toBeUndefined();
    const enoent = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the ENOENT');
    expect(enoent.fields.path).toBe(join(dir, 'missing'));
  });
});
