import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { facetsOf, findProbe, probeId, profileProbes } from '../../src/probes/index.js';
import { rename } from '../../src/probes/rename/spec.js';
import { escapeTerminal } from '../../src/text/index.js';
import {
  RENAME_FLAG_EXCHANGE,
  RENAME_FLAG_NOREPLACE,
  RENAME_FLAG_WHITEOUT,
  RENAME_KIND_RENAME,
  RENAME_KIND_RENAMEAT,
  RENAME_KIND_RENAMEAT2,
  UPATH_BASE_TRUNCATED,
  UPATH_TRUNCATED,
} from '../../src/event/generated/skeleton.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';
import { record } from './fixtures.js';

const layouts = loadLayouts();
const decoder = new RecordDecoder(rename, layouts, new HeaderDecoder(layouts));
const nul = Buffer.from([0]);

interface Side {
  raw: Buffer;
  base?: Buffer;
  flags?: number;
}
/** The two segments bpf/lib/user_path.h writes for one path: raw\0 [base\0]. */
const segs = (p: Side) => [Buffer.concat([p.raw, nul]), p.base ? Buffer.concat([p.base, nul]) : Buffer.alloc(0)] as const;

/** struct rename_event with data = old raw\0 [old base\0] new raw\0 [new base\0]. */
function renameRecord(o: { ret: number; old: Side; new: Side; kind?: number; flags?: number; olddfd?: number; newdfd?: number }): Buffer {
  const [oldRaw, oldBase] = segs(o.old);
  const [newRaw, newBase] = segs(o.new);
  const fields = {
    ret: o.ret,
    olddfd: o.olddfd ?? -100,
    newdfd: o.newdfd ?? -100,
    flags: o.flags ?? 0,
    old_flags: o.old.flags ?? 0,
    old_raw_len: oldRaw.length,
    old_base_len: oldBase.length,
    new_flags: o.new.flags ?? 0,
    new_raw_len: newRaw.length,
    new_base_len: newBase.length,
  };
  return record('rename_event', { probeId: probeId(rename), kind: o.kind ?? RENAME_KIND_RENAMEAT2, comm: 'mv' }, fields, Buffer.concat([oldRaw, oldBase, newRaw, newBase]));
}
const decode = (rec: Buffer) => decoder.decode(rec, 0, rec.length);
const b = (s: string) => Buffer.from(s, 'latin1');
const event = (fields: TraceEvent['fields']): TraceEvent => ({
  ts: 1, kind: 0, pid: 42, tid: 42, ppid: 1, uid: 1000, gid: 1000, cgroup: 1, pidns: 1, nspid: 42, comm: 'mv', probe: 'rename', fields,
});
const matches = (filters: string[], e: TraceEvent) => compileMatcher(parseFilters(filters, [rename]), rename)!(e);
const text = (parts: ReturnType<typeof rename.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string | Uint8Array))).join('');
const renamed = (old_path: string, new_path: string, ret = 0, flags = 0) => event({ ret, old_path, new_path, syscall: 'renameat2', flags });

describe('rename probe', () => {
  it('is found by its name and aliases and belongs to the forensic and files profiles', () => {
    for (const n of ['rename', 'mv', 'renamesnoop']) expect(findProbe(n)).toBe(rename);
    expect(rename.table).toBe('rename');
    expect(profileProbes('forensic')).toContain(rename);
    expect(profileProbes('files')).toContain(rename);
  });

  it('decodes a rename of two absolute paths', () => {
    const e = decode(renameRecord({ ret: 0, old: { raw: b('/var/log/auth.log') }, new: { raw: b('/var/log/.x') }, kind: RENAME_KIND_RENAME }));
    expect(e.fields).toEqual({
      ret: 0, old_path: '/var/log/auth.log', new_path: '/var/log/.x', old_raw_path: '/var/log/auth.log', new_raw_path: '/var/log/.x',
      syscall: 'rename', flags: 0, olddfd: -100, newdfd: -100, truncated: 0,
    });
    expect(text(rename.describe(e))).toBe('     0 /var/log/auth.log -> /var/log/.x');
  });

  it('makes each relative path absolute from its own directory', () => {
    const e = decode(renameRecord({
      ret: 0, kind: RENAME_KIND_RENAMEAT, olddfd: 3, newdfd: 4,
      old: { raw: b('.bash_history'), base: b('/home/u') }, new: { raw: b('h'), base: b('/') },
    }));
    expect(e.fields).toMatchObject({ old_path: '/home/u/.bash_history', new_path: '/h', old_raw_path: '.bash_history', new_raw_path: 'h', olddfd: 3, newdfd: 4, syscall: 'renameat' });
  });

  it('names renameat2 flags, and shows an exchange both ways', () => {
    const no = decode(renameRecord({ ret: -17, old: { raw: b('/a') }, new: { raw: b('/b') }, flags: RENAME_FLAG_NOREPLACE }));
    expect(text(rename.describe(no))).toBe('EEXIST /a -> /b RENAME_NOREPLACE');
    const x = decode(renameRecord({ ret: 0, old: { raw: b('/a') }, new: { raw: b('/b') }, flags: RENAME_FLAG_EXCHANGE }));
    expect(text(rename.describe(x))).toBe('     0 /a <-> /b RENAME_EXCHANGE');
    const f = facetsOf('rename')!;
    expect(f.detailValue!('flags', RENAME_FLAG_NOREPLACE | RENAME_FLAG_WHITEOUT)).toBe('RENAME_NOREPLACE|RENAME_WHITEOUT (0x5)');
    expect(f.detailValue!('flags', 0x10)).toBe('0x10 (0x10)');
    expect(f.detailValue!('flags', 0)).toBe('0 (0x0)');
    expect(f.detailValue!('newdfd', -100)).toBe('AT_FDCWD (-100)');
    expect(f.detailValue!('newdfd', 5)).toBeUndefined();
  });

  it('stores escape sequences and invalid UTF-8 in both paths byte-exact, and shows them escaped', () => {
    const evil = b('evil\x1b[31m\xff');
    const e = decode(renameRecord({ ret: 0, old: { raw: evil, base: b('/tmp') }, new: { raw: b('/tmp/\x9b2J') } }));
    expect(e.fields.old_raw_path).toEqual(Uint8Array.from(evil));
    expect(e.fields.old_path).toEqual(Uint8Array.from(Buffer.concat([b('/tmp/'), evil])));
    expect(e.fields.new_path).toEqual(Uint8Array.from(b('/tmp/\x9b2J')));
    const shown = text(rename.describe(e));
    expect(shown).toBe('     0 /tmp/evil\\e[31m\\xff -> /tmp/\\x9b2J');
    expect(shown).not.toMatch(/[\x1b\x9b]/);
  });

  it('decodes paths at the length boundaries: empty, two 4095-byte paths under 4095-byte directories, and cut ones flagged', () => {
    const empty = decode(renameRecord({ ret: -2, old: { raw: Buffer.alloc(0) }, new: { raw: b('/x') } }));
    expect(empty.fields).toMatchObject({ old_path: '', new_path: '/x', truncated: 0 });
    const dir = '/' + 'd'.repeat(4094);
    const rel = 'r'.repeat(4095);
    const full = decode(renameRecord({ ret: -2, old: { raw: b(rel), base: b(dir) }, new: { raw: b(rel), base: b(dir) } }));
    expect(full.fields).toMatchObject({ old_path: `${dir}/${rel}`, new_path: `${dir}/${rel}`, old_raw_path: rel, new_raw_path: rel, truncated: 0 });
    for (const [old, neu] of [[UPATH_TRUNCATED, 0], [0, UPATH_TRUNCATED], [0, UPATH_BASE_TRUNCATED]]) {
      const cut = decode(renameRecord({ ret: -36, old: { raw: b(rel), flags: old }, new: { raw: b('/x'), flags: neu } }));
      expect(cut.fields.truncated).toBe(1);
      expect(text(rename.describe(cut))).toContain('[truncated]');
    }
  });

  it('filters with path= on either path, absolute or raw', () => {
    const e = event({ ret: 0, old_path: '/var/log/auth.log', new_path: '/tmp/.x', old_raw_path: 'auth.log', new_raw_path: '/tmp/.x' });
    expect(matches(['path=/var/log/'], e)).toBe(true);
    expect(matches(['path=/tmp/.x'], e)).toBe(true);
    expect(matches(['path=auth.log'], e)).toBe(true);
    expect(matches(['path=/etc/'], e)).toBe(false);
    expect(matches(['path!=/tmp/'], e)).toBe(false);
    expect(() => parseFilters(['path='], [rename])).toThrow(/path: no value/);
  });

  it('offers both paths to completion', () => {
    const out: [string, string][] = [];
    facetsOf('rename')!.completionValues!(renamed('/a', '/b'), (k, v) => out.push([k, v]));
    expect(out).toEqual([['path', '/a'], ['path', '/b']]);
  });

  it('lists covering tracks and replaced system binaries in the security panel, and nothing else', () => {
    const sec = (o: string, n: string, ret = 0, flags = 0) => facetsOf('rename')!.security!(renamed(o, n, ret, flags));
    expect(sec('/var/log/auth.log', '/var/log/.x')).toEqual({
      label: 'log renamed',
      parts: ['renameat2 ', { data: '/var/log/auth.log' }, ' -> ', { data: '/var/log/.x' }, '', ''],
    });
    expect(sec('/tmp/empty', '/var/log/wtmp')?.label).toBe('log overwritten');
    expect(sec('/var//log/./syslog', '/tmp/s')?.label).toBe('log renamed');
    expect(sec('/home/u/.bash_history', '/home/u/.old')?.label).toBe('history renamed');
    expect(sec('/dev/null', '/root/.zsh_history')?.label).toBe('history overwritten');
    expect(sec('/tmp/evil', '/usr/bin/sudo')?.label).toBe('binary replaced');
    expect(sec('/tmp/evil', '/bin/../sbin/sshd')?.label).toBe('binary replaced');
    expect(sec('/tmp/evil', '/usr/bin/sudo', -13)).toMatchObject({ label: 'binary replacement failed' });
    expect(sec('/tmp/evil', '/usr/bin/sudo', -13)!.parts.at(-1)).toBe(' EACCES');
    // an exchange swaps them: the binary is replaced from either side
    expect(sec('/usr/sbin/sshd', '/tmp/evil', 0, RENAME_FLAG_EXCHANGE)).toMatchObject({ label: 'binary replaced', parts: expect.arrayContaining([' <-> ', ' RENAME_EXCHANGE']) });
    expect(sec('/tmp/a', '/var/log/x', 0, RENAME_FLAG_EXCHANGE)?.label).toBe('log renamed');
    for (const [o, n] of [['/tmp/a', '/tmp/b'], ['/usr/bin/x/y', '/usr/bin/x/z'], ['/tmp/a', '/usr/bin'], ['/var/logs', '/var/lib/x']])
      expect(sec(o!, n!), `${o} -> ${n}`).toBeUndefined();
  });

  it('writes tree lines with both paths escaped and the outcome', () => {
    const lines = rename.facets!.tree!.lines(
      [
        [1, 0, '/var/log/auth.log', '/var/log/.x', 0],
        [2, -17, '/a', '/b', RENAME_FLAG_NOREPLACE],
        [3, 0, '/a', Uint8Array.from(b('/\x1b]0;x')), RENAME_FLAG_EXCHANGE],
      ],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  rename  1 /var/log/auth.log -> /var/log/.x ok', '  rename  2 /a -> /b EEXIST', '  rename  3 /a <-> /\\e]0;x ok']);
    const many = rename.facets!.tree!.lines([[1, 0, '/a', '/b', 0], [2, 0, '/c', '/d', 0]], { time: String, indent: '  ', perKind: 1 });
    expect(many).toEqual(['    rename  1 /a -> /b ok', '    … more rename events (query the capture for all)']);
  });
});

const COMM = 'ebpfsh-rename';

/**
 * What an intruder's own program does: renames by absolute paths, moves a
 * history file between two directory fds (after moving the cwd away, so only
 * the fds resolve them), renameat2 with RENAME_NOREPLACE onto an existing file
 * (EEXIST) and with RENAME_EXCHANGE, a missing file, a file out of a
 * directory it may not write, a name with an escape sequence and an invalid
 * UTF-8 byte, and two relative 4095-byte paths. Prints each result (0 or
 * -errno) and the directory fds.
 */
const RENAMER = `
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"${COMM}", 0, 0, 0)
libc.syscall.restype = ctypes.c_long
d, locked = sys.argv[1], sys.argv[2]
out = {}
def do(name, f):
    try:
        f()
        out[name] = 0
    except OSError as e:
        out[name] = -e.errno
def renameat2(old, new, flags):
    # syscall 316 on x86_64, as a program that bypasses libc would call it
    if libc.syscall(316, -100, old.encode(), -100, new.encode(), flags) < 0:
        raise OSError(ctypes.get_errno(), "renameat2")
os.chdir(d)
open("a.txt", "w").close()
do("rename", lambda: os.rename(os.path.join(d, "a.txt"), os.path.join(d, "b.txt")))
os.mkdir("src")
os.mkdir("dst")
open("src/.bash_history", "w").close()
sfd = os.open("src", os.O_RDONLY | os.O_DIRECTORY)
dfd = os.open("dst", os.O_RDONLY | os.O_DIRECTORY)
out["sfd"], out["dfd"] = sfd, dfd
os.chdir("/")
do("replace", lambda: os.replace(".bash_history", "h", src_dir_fd=sfd, dst_dir_fd=dfd))
open(os.path.join(d, "c.txt"), "w").close()
do("noreplace", lambda: renameat2(d + "/b.txt", d + "/c.txt", 1))
do("exchange", lambda: renameat2(d + "/b.txt", d + "/c.txt", 2))
do("missing", lambda: os.rename(d + "/missing", d + "/x"))
do("denied", lambda: os.rename(locked + "/keep", d + "/stolen"))
hostile = os.path.join(d.encode(), b"evil\\x1b[31m\\xff")
open(hostile, "w").close()
do("hostile", lambda: os.rename(hostile, os.path.join(d, "tame")))
os.chdir(d)
old = "." + "/" * (4095 - len("./old-long")) + "/old-long"
new = "." + "/" * (4095 - len("./new-long")) + "/new-long"
do("long", lambda: os.rename(old, new))
print(json.dumps(out))
`;

describeKernel('rename on the real kernel', () => {
  let dir: string;
  let locked: string;
  let s: ReturnType<typeof startSession>;
  let r: Awaited<ReturnType<typeof run>>;
  let res: Record<string, number>;
  const mine = () => s.events.filter((e) => e.pid === r.pid);
  const by = (raw: string) => {
    const e = mine().find((x) => str(x.fields.old_raw_path) === raw);
    if (!e) throw new Error(`no event with old_raw_path ${raw.slice(0, 80)}`);
    return e;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-rename-'));
    chmodSync(dir, 0o777);
    locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o755 });
    writeFileSync(join(locked, 'keep'), 'x');
    s = startSession(rename, [`comm=${COMM}`]);
    r = await run('/usr/bin/python3', ['-c', RENAMER, dir, locked], { uid: 1000 });
    if (r.code === 0) res = JSON.parse(r.stdout) as Record<string, number>;
    else throw new Error(`renamer failed: ${r.stderr}`);
    await waitFor(() => mine().length >= 8, 5000, '8 renames');
  });
  afterAll(() => {
    s.engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees renames by path and by directory fd with both absolute paths and the syscall', () => {
    expect(res).toMatchObject({ rename: 0, replace: 0, noreplace: -17, exchange: 0, missing: -2, denied: -13, hostile: 0, long: -2 });
    expect(mine().every((e) => e.uid === 1000 && e.comm === COMM)).toBe(true);
    expect(by(join(dir, 'a.txt')).fields).toMatchObject({ ret: 0, new_path: join(dir, 'b.txt'), syscall: 'rename', flags: 0, truncated: 0 });
    // the cwd was / by then: only the directory fds give these paths
    const moved = by('.bash_history');
    expect(moved.fields).toMatchObject({
      ret: 0, syscall: 'renameat', old_path: join(dir, 'src/.bash_history'), new_path: join(dir, 'dst/h'), new_raw_path: 'h', olddfd: res.sfd, newdfd: res.dfd,
    });
    expect(rename.facets!.security!(moved)?.label).toBe('history renamed');
  });

  it('sees renameat2 with its flags: RENAME_NOREPLACE failing with EEXIST, then RENAME_EXCHANGE', () => {
    const calls = mine().filter((e) => e.fields.syscall === 'renameat2');
    expect(calls.map((e) => [e.fields.ret, e.fields.flags])).toEqual([[-17, RENAME_FLAG_NOREPLACE], [0, RENAME_FLAG_EXCHANGE]]);
    for (const e of calls) expect(e.fields).toMatchObject({ old_path: join(dir, 'b.txt'), new_path: join(dir, 'c.txt') });
    expect(text(rename.describe(calls[1]!))).toBe(`     0 ${dir}/b.txt <-> ${dir}/c.txt RENAME_EXCHANGE`);
  });

  it('reports failures with -errno: a missing file, and one in a directory an unprivileged user may not write', () => {
    expect(by(join(dir, 'missing')).fields).toMatchObject({ ret: -2, new_path: join(dir, 'x') });
    expect(by(join(locked, 'keep')).fields).toMatchObject({ ret: -13, new_path: join(dir, 'stolen') });
  });

  it('stores a path with an escape sequence and an invalid UTF-8 byte byte-exact', () => {
    const want = Buffer.concat([Buffer.from(`${dir}/`), b('evil\x1b[31m\xff')]);
    const e = mine().find((x) => x.fields.old_raw_path instanceof Uint8Array);
    expect(e).toBeDefined();
    expect(Buffer.from(e!.fields.old_raw_path as Uint8Array).equals(want)).toBe(true);
    expect(Buffer.from(e!.fields.old_path as Uint8Array).equals(want)).toBe(true);
    expect(e!.fields).toMatchObject({ ret: 0, new_path: join(dir, 'tame') });
  });

  it('delivers two relative 4095-byte paths whole, each made absolute', () => {
    const e = mine().find((x) => str(x.fields.old_raw_path).endsWith('/old-long'))!;
    expect(e.fields).toMatchObject({ ret: -2, truncated: 0 });
    expect(str(e.fields.old_raw_path)).toHaveLength(4095);
    expect(str(e.fields.new_raw_path)).toHaveLength(4095);
    expect(e.fields.old_path).toBe(`${dir}/${str(e.fields.old_raw_path)}`);
    expect(e.fields.new_path).toBe(`${dir}/${str(e.fields.new_raw_path)}`);
  });
});
