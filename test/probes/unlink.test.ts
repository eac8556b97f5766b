import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { facetsOf, findProbe, probeId, profileProbes } from '../../src/probes/index.js';
import { unlink } from '../../src/probes/unlink/spec.js';
import { escapeTerminal } from '../../src/text/index.js';
import {
  UNLINK_AT_REMOVEDIR,
  UNLINK_KIND_RMDIR,
  UNLINK_KIND_UNLINK,
  UNLINK_KIND_UNLINKAT,
  UPATH_BASE_TRUNCATED,
  UPATH_FAULT,
  UPATH_NO_BASE,
  UPATH_TRUNCATED,
} from '../../src/event/generated/skeleton.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(unlink, layouts, new HeaderDecoder(layouts));
const nul = Buffer.from([0]);

/** struct unlink_event with data = raw\0 [base\0], as bpf/lib/user_path.h writes it. */
function unlinkRecord(o: { ret: number; raw: Buffer; base?: Buffer; kind?: number; flags?: number; dfd?: number; pathFlags?: number }): Buffer {
  const base = o.base ? Buffer.concat([o.base, nul]) : Buffer.alloc(0);
  const data = Buffer.concat([o.raw, nul, base]);
  const fields = { ret: o.ret, dfd: o.dfd ?? -100, flags: o.flags ?? 0, path_flags: o.pathFlags ?? 0, raw_len: o.raw.length + 1, base_len: base.length };
  return record('unlink_event', { probeId: probeId(unlink), kind: o.kind ?? UNLINK_KIND_UNLINKAT, comm: 'rm' }, fields, data);
}
const decode = (rec: Buffer) => decoder.decode(rec, 0, rec.length);
const event = (fields: TraceEvent['fields']): TraceEvent => ({
  ts: 1, kind: 0, pid: 42, tid: 42, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 1, nspid: 42, comm: 'rm', probe: 'unlink', fields,
});
const matches = (filters: string[], e: TraceEvent) => compileMatcher(parseFilters(filters, [unlink]), unlink)!(e);
const text = (parts: ReturnType<typeof unlink.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string))).join('');

describe('unlink probe', () => {
  it('is found by its name and aliases and belongs to the forensic and files profiles', () => {
    for (const n of ['unlink', 'rm', 'unlinksnoop']) expect(findProbe(n)).toBe(unlink);
    expect(unlink.table).toBe('unlink');
    expect(profileProbes('forensic')).toContain(unlink);
    expect(profileProbes('files')).toContain(unlink);
  });

  it('decodes an absolute unlink as it was passed', () => {
    const e = decode(unlinkRecord({ ret: 0, raw: Buffer.from('/home/u/.bash_history'), kind: UNLINK_KIND_UNLINK }));
    expect(e.fields).toEqual({ ret: 0, path: '/home/u/.bash_history', raw_path: '/home/u/.bash_history', syscall: 'unlink', flags: 0, dfd: -100, truncated: 0 });
  });

  it('makes a relative path absolute from its directory, and rmdir and AT_REMOVEDIR read as directory removals', () => {
    const rel = decode(unlinkRecord({ ret: 0, raw: Buffer.from('d/x.log'), base: Buffer.from('/var/log'), dfd: 3 }));
    expect(rel.fields).toMatchObject({ path: '/var/log/d/x.log', raw_path: 'd/x.log', dfd: 3, syscall: 'unlinkat' });
    const root = decode(unlinkRecord({ ret: -13, raw: Buffer.from('etc'), base: Buffer.from('/'), kind: UNLINK_KIND_RMDIR }));
    expect(root.fields).toMatchObject({ ret: -13, path: '/etc', syscall: 'rmdir' });
    const at = decode(unlinkRecord({ ret: 0, raw: Buffer.from('/tmp/d'), flags: UNLINK_AT_REMOVEDIR }));
    expect(text(unlink.describe(at))).toBe('     0 /tmp/d unlinkat AT_REMOVEDIR');
    expect(text(unlink.describe(root))).toBe('EACCES /etc rmdir');
  });

  it('keeps a relative path whose directory was not open as passed, and an unreadable one as empty', () => {
    const noBase = decode(unlinkRecord({ ret: -9, raw: Buffer.from('x'), dfd: 99, pathFlags: UPATH_NO_BASE }));
    expect(noBase.fields).toMatchObject({ path: 'x', raw_path: 'x', truncated: 0 });
    const fault = decode(unlinkRecord({ ret: -14, raw: Buffer.alloc(0), pathFlags: UPATH_FAULT }));
    expect(fault.fields).toMatchObject({ ret: -14, path: '', raw_path: '', truncated: 0 });
  });

  it('stores escape sequences and invalid UTF-8 in a path byte-exact, and shows them escaped', () => {
    const raw = Buffer.from('evil\x1b[31m\xff.txt', 'latin1');
    const e = decode(unlinkRecord({ ret: 0, raw, base: Buffer.from('/tmp/t') }));
    expect(e.fields.raw_path).toEqual(Uint8Array.from(raw));
    expect(e.fields.path).toEqual(Uint8Array.from(Buffer.concat([Buffer.from('/tmp/t/'), raw])));
    const shown = unlink.describe(e).map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as Uint8Array))).join('');
    expect(shown).toBe('     0 /tmp/t/evil\\e[31m\\xff.txt unlinkat');
    expect(shown).not.toContain('\x1b');
  });

  it('decodes paths at the length boundaries: 0, 4095, and a cut one flagged', () => {
    const empty = decode(unlinkRecord({ ret: -2, raw: Buffer.alloc(0) }));
    expect(empty.fields).toMatchObject({ path: '', raw_path: '', truncated: 0 });
    const long = '/' + 'a'.repeat(4094);
    expect(decode(unlinkRecord({ ret: -2, raw: Buffer.from(long) })).fields).toMatchObject({ path: long, raw_path: long, truncated: 0 });
    const cut = decode(unlinkRecord({ ret: -36, raw: Buffer.from(long), pathFlags: UPATH_TRUNCATED }));
    expect(cut.fields).toMatchObject({ raw_path: long, truncated: 1 });
    expect(text(unlink.describe(cut))).toContain('[truncated]');
    // a 4095-byte relative path under a 4095-byte directory: both whole, joined
    const dir = '/' + 'd'.repeat(4094);
    const rel = 'r'.repeat(4095);
    expect(decode(unlinkRecord({ ret: -2, raw: Buffer.from(rel), base: Buffer.from(dir) })).fields).toMatchObject({ path: `${dir}/${rel}`, truncated: 0 });
    expect(decode(unlinkRecord({ ret: -2, raw: Buffer.from(rel), base: Buffer.from(dir), pathFlags: UPATH_BASE_TRUNCATED })).fields.truncated).toBe(1);
  });

  it('filters on the absolute or the raw path with the path= grammar', () => {
    const e = event({ ret: 0, path: '/var/log/auth.log', raw_path: 'auth.log', syscall: 'unlinkat', flags: 0, dfd: 3, truncated: 0 });
    expect(matches(['path=/var/log/'], e)).toBe(true);
    expect(matches(['path=auth.log'], e)).toBe(true);
    expect(matches(['path=*.log'], e)).toBe(true);
    expect(matches(['path=/etc/'], e)).toBe(false);
    expect(matches(['path!=/var/log/'], e)).toBe(false);
    expect(() => parseFilters(['path='], [unlink])).toThrow(/path: no value/);
  });

  it('names the flags and the cwd in the detail pane and offers the path to completion', () => {
    const f = facetsOf('unlink')!;
    expect(f.detailValue!('flags', UNLINK_AT_REMOVEDIR)).toBe('AT_REMOVEDIR (0x200)');
    expect(f.detailValue!('flags', 0)).toBe('0 (0x0)');
    expect(f.detailValue!('flags', 0x201)).toBe('AT_REMOVEDIR|0x1 (0x201)');
    expect(f.detailValue!('dfd', -100)).toBe('AT_FDCWD (-100)');
    expect(f.detailValue!('ret', 0)).toBeUndefined();
    const out: [string, string][] = [];
    f.completionValues!(event({ path: '/tmp/x' }), (k, v) => out.push([k, v]));
    expect(out).toEqual([['path', '/tmp/x']]);
  });

  it('lists deleted logs and history files in the security panel, and nothing else', () => {
    const sec = (path: string, ret = 0) => facetsOf('unlink')!.security!(event({ ret, path, syscall: 'unlinkat' }));
    expect(sec('/var/log/auth.log')).toEqual({ label: 'log deleted', parts: ['unlinkat ', { data: '/var/log/auth.log' }, ''] });
    expect(sec('/var//log/./wtmp')?.label).toBe('log deleted');
    expect(sec('/var/log/auth.log', -13)).toEqual({ label: 'log deletion failed', parts: ['unlinkat ', { data: '/var/log/auth.log' }, ' EACCES'] });
    for (const h of ['/home/u/.bash_history', '/root/.zsh_history', '/home/u/.python_history', '/root/.lesshst', '/root/.viminfo', '/root/.local/share/fish/fish_history'])
      expect(sec(h)?.label, h).toBe('history deleted');
    for (const p of ['/tmp/x', '/var/logx', '/home/u/history.txt', '/home/u/.bash_history/x', '/var/lib/log/x']) expect(sec(p), p).toBeUndefined();
  });

  it('writes tree lines with the removal, the path escaped and the outcome', () => {
    const lines = unlink.facets!.tree!.lines(
      [
        [1, 0, '/home/u/.bash_history', 'unlink', 0],
        [2, -2, '/tmp/d', 'unlinkat', UNLINK_AT_REMOVEDIR],
        [3, 0, Uint8Array.from(Buffer.from('/tmp/\x1b[2J', 'latin1')), 'rmdir', 0],
      ],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  unlink  1 /home/u/.bash_history ok', '  rmdir   2 /tmp/d ENOENT', '  rmdir   3 /tmp/\\e[2J ok']);
    const many = unlink.facets!.tree!.lines([[1, 0, '/a', 'unlink', 0], [2, 0, '/b', 'unlink', 0]], { time: String, indent: '', perKind: 1 });
    expect(many).toHaveLength(2);
    expect(many[1]).toContain('more unlink events');
  });
});

const COMM = 'ebpfsh-unlink';

/**
 * What an intruder's own program does: deletes by absolute path, by a path
 * relative to the cwd, by a name relative to a directory fd (after moving the
 * cwd away, so only the fd can resolve it), a directory with AT_REMOVEDIR,
 * a missing file, a file in a directory it may not write, a name with an
 * escape sequence and an invalid UTF-8 byte, and paths at length boundaries.
 * Prints each result (0 or -errno) and the directory fd.
 */
const DELETER = `
import ctypes, json, os, sys
ctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)
d, locked = sys.argv[1], sys.argv[2]
out = {}
def do(name, f):
    try:
        f()
        out[name] = 0
    except OSError as e:
        out[name] = -e.errno
os.chdir(d)
open(os.path.join(d, "abs.txt"), "w").close()
do("abs", lambda: os.unlink(os.path.join(d, "abs.txt")))
os.mkdir("reldir")
do("rmdir", lambda: os.rmdir("reldir"))
os.mkdir("sub")
open("sub/.bash_history", "w").close()
os.mkdir("sub/inner")
fd = os.open("sub", os.O_RDONLY | os.O_DIRECTORY)
out["fd"] = fd
os.chdir("/")
do("dirfd", lambda: os.unlink(".bash_history", dir_fd=fd))
do("removedir", lambda: os.rmdir("inner", dir_fd=fd))
do("missing", lambda: os.unlink(os.path.join(d, "missing")))
do("denied", lambda: os.unlink(os.path.join(locked, "keep")))
hostile = os.path.join(d.encode(), b"evil\\x1b[31m\\xff")
open(hostile, "w").close()
do("hostile", lambda: os.unlink(hostile))
for n in (4095, 4096, 5000):
    p = d + "/" * (n - len(d) - len("/missing-%d" % n)) + "/missing-%d" % n
    assert len(p) == n
    do("len%d" % n, lambda: os.unlink(p))
os.chdir(d)
rel = "." + "/" * (4095 - len("./missing-rel")) + "/missing-rel"
do("rel4095", lambda: os.unlink(rel))
print(json.dumps(out))
`;

describeKernel('unlink on the real kernel', () => {
  let dir: string;
  let locked: string;
  let s: ReturnType<typeof startSession>;
  let r: Awaited<ReturnType<typeof run>>;
  const losses = () => s.engine.counters().find((c) => c.probe === 'unlink')!.losses;
  let before: ReturnType<typeof losses>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-unlink-'));
    chmodSync(dir, 0o777);
    locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    writeFileSync(join(locked, 'keep'), 'x');
    s = startSession(unlink, [`comm=${COMM}`]);
    before = { ...losses() };
    r = await run('/usr/bin/python3', ['-c', DELETER, dir, locked], { uid: 1000 });
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees every deletion of an unprivileged process with its absolute path, syscall, flags and result', async () => {
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as Record<string, number>;
    expect(res).toMatchObject({ abs: 0, rmdir: 0, dirfd: 0, removedir: 0, missing: -2, denied: -13, hostile: 0, len4095: -2, len4096: -36, len5000: -36, rel4095: -2 });
    const mine = () => s.events.filter((e) => e.pid === r.pid);
    await waitFor(() => mine().length >= 11, 5000, '11 deletions');
    const by = (raw: string) => {
      const e = mine().find((x) => str(x.fields.raw_path) === raw);
      if (!e) throw new Error(`no event with raw_path ${raw.slice(0, 80)}`);
      return e;
    };
    expect(mine().every((e) => e.uid === 1000 && e.comm === COMM)).toBe(true);

    const abs = by(join(dir, 'abs.txt'));
    expect(abs.fields).toMatchObject({ ret: 0, path: join(dir, 'abs.txt'), syscall: 'unlink', flags: 0, truncated: 0 });
    expect(by('reldir').fields).toMatchObject({ ret: 0, path: join(dir, 'reldir'), syscall: 'rmdir', dfd: -100 });
    // the cwd was / by then: only the directory fd gives this path
    const viaFd = by('.bash_history');
    expect(viaFd.fields).toMatchObject({ ret: 0, path: join(dir, 'sub/.bash_history'), syscall: 'unlinkat', dfd: res.fd, flags: 0 });
    expect(unlink.facets!.security!(viaFd)?.label).toBe('history deleted');
    expect(by('inner').fields).toMatchObject({ ret: 0, path: join(dir, 'sub/inner'), syscall: 'unlinkat', flags: UNLINK_AT_REMOVEDIR });
    expect(by(join(dir, 'missing')).fields).toMatchObject({ ret: -2, path: join(dir, 'missing') });
    expect(by(join(locked, 'keep')).fields).toMatchObject({ ret: -13, path: join(locked, 'keep') });
  });

  it('stores a path with an escape sequence and an invalid UTF-8 byte byte-exact', async () => {
    const want = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from('evil\x1b[31m\xff', 'latin1')]);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.raw_path instanceof Uint8Array), 5000, 'the hostile unlink');
    expect(Buffer.from(e.fields.raw_path as Uint8Array).equals(want)).toBe(true);
    expect(Buffer.from(e.fields.path as Uint8Array).equals(want)).toBe(true);
    expect(e.fields.ret).toBe(0);
  });

  it('delivers paths at 4095 bytes whole and cuts longer ones to 4095, flagged and counted', async () => {
    const long = await waitFor(() => {
      const got = s.events.filter((x) => x.pid === r.pid && str(x.fields.raw_path).length >= 4095);
      return got.length === 4 ? got : null;
    }, 5000, 'four long paths');
    const [n4095, n4096, n5000, rel] = long;
    expect(n4095!.fields).toMatchObject({ ret: -2, truncated: 0 });
    expect(n4095!.fields.path).toBe(n4095!.fields.raw_path);
    // as the script builds them: the directory, slashes, then /missing-N
    const passed = (n: number) => dir + '/'.repeat(n - dir.length - `/missing-${n}`.length) + `/missing-${n}`;
    expect(n4095!.fields.raw_path).toBe(passed(4095));
    for (const [cut, n] of [[n4096!, 4096], [n5000!, 5000]] as const) {
      expect(cut.fields).toMatchObject({ ret: -36, truncated: 1 });
      expect(cut.fields.raw_path).toBe(passed(n).slice(0, 4095));
    }
    expect(rel!.fields).toMatchObject({ ret: -2, truncated: 0 });
    expect(str(rel!.fields.raw_path)).toMatch(/^\.\/+missing-rel$/);
    expect(str(rel!.fields.path)).toBe(`${dir}/${str(rel!.fields.raw_path)}`);
    await waitFor(() => losses().truncated - before.truncated >= 2, 2000, 'the truncated count');
    expect(losses().truncated - before.truncated).toBe(2);
    expect(losses().string_fault - before.string_fault).toBe(0);
  });
});
