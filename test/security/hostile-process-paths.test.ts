// A hostile process tries to make its file activity vanish or lie: paths at
// every length boundary up to and past PATH_MAX, absolute, relative and
// failing; a path rewritten by a second thread while the kernel uses it; a
// binary run from a directory deeper than the record once allowed. The rule
// checked: every open that reaches the hook is delivered with the right bytes
// and flags, or counted under exactly one cause.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceEvent } from '../../src/engine/index.js';
import { opensnoop, openedElsewhere } from '../../src/probes/opensnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession, str } from '../engine/kernel-session.js';

const COMM = 'ebpfsh-hostile';
const BOUNDARIES = [0, 1, 511, 512, 1022, 1023, 1024, 4095, 4096];

/** Opens each path (hex, exact bytes) in order under comm COMM; prints each result (fd or -errno). */
const OPENER = `
import ctypes, json, os, sys
ctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)
os.chdir(sys.argv[1])
out = []
for h in json.load(sys.stdin):
    try:
        fd = os.open(bytes.fromhex(h), os.O_RDONLY)
        out.append(fd)
        os.close(fd)
    except OSError as e:
        out.append(-e.errno)
print(json.dumps(out))
`;

/**
 * Thread A opens a FIFO by a path in a buffer and blocks in the kernel after
 * the lookup; thread B, seeing A asleep in openat, rewrites the buffer to an
 * innocent path and only then opens the FIFO's other end, so A's open returns
 * with the buffer lying about what the kernel opened.
 */
const REWRITER = `
import ctypes, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"${COMM}", 0, 0, 0)
fifo, innocent = sys.argv[1].encode(), sys.argv[2].encode()
buf = ctypes.create_string_buffer(fifo, 4096)
res = {}
def opener():
    res['tid'] = threading.get_native_id()
    res['fd'] = libc.open(buf, os.O_RDONLY)
a = threading.Thread(target=opener)
a.start()
while 'tid' not in res:
    pass
task = '/proc/self/task/%d/' % res['tid']
while True:
    with open(task + 'syscall') as f:
        nr = f.read().split(' ')[0]
    with open(task + 'stat') as f:
        state = f.read().rsplit(')', 1)[1].split()[0]
    if nr == '257' and state == 'S':
        break
ctypes.memmove(buf, innocent + b'\\0', len(innocent) + 1)
w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
a.join()
os.close(w)
print(res['tid'], res['fd'])
`;

/**
 * Fills the table of opens in flight: argv[2] threads (comm argv[4]) block
 * opening the FIFO argv[1]; once all are asleep in openat, the main thread
 * takes the same comm, opens argv[3], then releases them all. C, not Python:
 * ten thousand threads waking at once on one GIL take a minute.
 */
const FLOODER = `
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *fifo, *comm;
static pid_t *tids;
static int ready;

static void *blocker(void *arg)
{
	int fd;

	prctl(PR_SET_NAME, comm);
	tids[(long)arg] = gettid();
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	fd = open(fifo, O_RDONLY);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int asleep_in_openat(pid_t tid)
{
	char path[64], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return strncmp(buf, "257 ", 4) == 0;
}

int main(int argc, char **argv)
{
	int n = atoi(argv[2]), fd, w, i, j, left;
	pthread_t *ts = calloc(n, sizeof(*ts));
	pthread_attr_t at;

	fifo = argv[1];
	comm = argv[4];
	tids = calloc(n, sizeof(*tids));
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 65536);
	for (i = 0; i < n; i++)
		if (pthread_create(&ts[i], &at, blocker, (void *)(long)i))
			return 2;
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < n)
		sched_yield();
	for (left = n; left;) {
		for (i = 0, j = 0; i < left; i++)
			if (!asleep_in_openat(tids[i]))
				tids[j++] = tids[i];
		left = j;
	}
	prctl(PR_SET_NAME, comm);
	fd = open(argv[3], O_RDONLY);
	w = open(fifo, O_WRONLY | O_NONBLOCK);
	for (i = 0; i < n; i++)
		pthread_join(ts[i], NULL);
	printf("%d %d\\n", fd, w);
	return 0;
}
`;

/**
 * openat2(argv[1], O_WRONLY|O_CREAT) with its struct open_how in a file
 * mapping never touched from userspace: the page is not mapped yet when the
 * probe reads it at sys_enter (a fault there), only when the kernel copies it.
 */
const UNTOUCHED_HOW = `
import ctypes, mmap, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"${COMM}", 0, 0, 0)
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("QQQ", os.O_WRONLY | os.O_CREAT, 0o600, 0).ljust(4096, b"\\0"))
fd = os.open(sys.argv[2], os.O_RDONLY)
m = mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
how = ctypes.addressof(ctypes.c_char.from_buffer(m))
libc.syscall.restype = ctypes.c_long
r = libc.syscall(437, -100, ctypes.c_char_p(sys.argv[1].encode()), ctypes.c_void_p(how), ctypes.c_size_t(24))
print(r if r >= 0 else -ctypes.get_errno())
`;

/** Opens argv[1] by file handle (name_to_handle_at, then open_by_handle_at): no path reaches the open. */
const BY_HANDLE = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"${COMM}", 0, 0, 0)
h = ctypes.create_string_buffer(128)
ctypes.c_uint.from_buffer(h).value = 120
mount_id = ctypes.c_int()
if libc.name_to_handle_at(-100, sys.argv[1].encode(), h, ctypes.byref(mount_id), 0) != 0:
    sys.exit("name_to_handle_at: errno %d" % ctypes.get_errno())
mfd = os.open(os.path.dirname(sys.argv[1]), os.O_RDONLY)
fd = libc.open_by_handle_at(mfd, h, os.O_RDONLY)
print(fd if fd >= 0 else -ctypes.get_errno())
`;

/** Runs python3 with a script and stdin; returns stdout. */
function python(script: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('python3', ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python3 exited ${code}: ${err}`))));
    p.stdin.end(input);
  });
}

/** `n` bytes of path: `base` (absolute or relative) padded with redundant slashes after its first byte, or null when it cannot be that short. */
function padded(base: string, n: number): string | null {
  if (n === 0) return '';
  if (base.length > n) return null;
  return base[0] + '/'.repeat(n - base.length) + base.slice(1);
}

/** A directory whose absolute path, plus `/t`, is exactly `total` bytes. */
function deepFile(root: string, total: number): string {
  let dir = root;
  while (dir.length + 2 < total) {
    const room = total - 2 - dir.length - 1;
    dir = join(dir, 'd'.repeat(Math.max(1, Math.min(200, room))));
  }
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/t`;
  if (file.length !== total) throw new Error(`deep file is ${file.length} bytes, not ${total}`);
  writeFileSync(file, 'x');
  return file;
}

describeKernel('a hostile process cannot make its opens vanish or lie (real kernel)', () => {
  let dir: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-hostile-'));
    writeFileSync(join(dir, 't'), 'x');
    s = startSession(opensnoop, [`comm=${COMM}`]);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const counters = () => s.engine.counters().find((c) => c.probe === 'opensnoop')!;

  it('delivers every open at every path length 0-4096, absolute, relative and failing, with its exact bytes and flags', async () => {
    const target = join(dir, 't');
    const deep = deepFile(join(dir, 'deep'), 4095);
    type Case = { what: string; raw: string; real?: string };
    const cases: Case[] = [];
    for (const n of BOUNDARIES) {
      const abs = n === 1 ? '/' : padded(target, n);
      if (abs !== null) cases.push({ what: `absolute ${n}`, raw: abs, real: n === 1 ? '/' : target });
      const rel = n === 1 ? 't' : padded('./t', n);
      if (rel !== null) cases.push({ what: `relative ${n}`, raw: rel, real: target });
      const absMissing = padded(join(dir, 'missing'), n);
      if (absMissing !== null) cases.push({ what: `absolute missing ${n}`, raw: absMissing });
      const relMissing = n === 1 ? 'm' : padded('./missing', n);
      if (relMissing !== null) cases.push({ what: `relative missing ${n}`, raw: relMissing });
    }
    // a file whose own absolute path is 4095 bytes: opened by it, and relatively from its directory
    cases.push({ what: 'deep absolute 4095', raw: deep, real: deep });
    cases.push({ what: 'deep relative, real path 4095', raw: deep.slice(dir.length + 1), real: deep });
    for (const c of cases) if (c.raw.length !== Number(/\d+$/.exec(c.what)?.[0] ?? c.raw.length) && !c.what.startsWith('deep')) throw new Error(c.what);

    const before = { ...counters().losses };
    const out = await python(OPENER, [dir], JSON.stringify(cases.map((c) => Buffer.from(c.raw).toString('hex'))));
    const rets = JSON.parse(out) as number[];
    const mine = () => s.events.filter((e) => str(e.comm) === COMM && e.fields.syscall === 'openat' && rets.length > 0);
    // python opens other files after prctl (its json module, ...): ours are the ones whose raw path we passed, in order
    const events = await waitFor(() => {
      const seq: TraceEvent[] = [];
      let i = 0;
      for (const e of mine()) {
        if (i >= cases.length) break;
        const raw = str(e.fields.raw_path);
        const want = cases[i]!.raw.slice(0, 4095);
        if (raw === want && e.fields.ret === rets[i]) {
          seq.push(e);
          i++;
        }
      }
      return seq.length === cases.length ? seq : null;
    }, 10000, `${cases.length} opens, each with its exact raw path`);

    let truncated = 0;
    cases.forEach((c, i) => {
      const e = events[i]!;
      const ret = rets[i]!;
      const cut = c.raw.length >= 4096;
      const raw = c.raw.slice(0, 4095);
      const ctx = `${c.what} (ret ${ret})`;
      expect(e.fields.truncated, ctx).toBe(cut ? 1 : 0);
      if (cut) {
        truncated++;
        expect(ret, ctx).toBe(-36); // ENAMETOOLONG
      }
      if (ret >= 0) {
        expect(str(e.fields.path), ctx).toBe(c.real);
        expect(openedElsewhere(ret, e.fields.path as string, e.fields.raw_path as string), ctx).toBe(false);
      } else {
        expect(str(e.fields.path), ctx).toBe(raw === '' || raw.startsWith('/') ? raw : `${dir}/${raw}`);
      }
    });
    expect(rets.filter((r) => r >= 0).length).toBeGreaterThan(15);
    const after = counters().losses;
    expect(after.truncated - before.truncated).toBe(truncated);
    for (const cause of ['string_fault', 'ringbuf_full', 'pending_full', 'decode_error', 'queue_overflow'] as const)
      expect(after[cause] - before[cause], cause).toBe(0);
  });

  it('reports every open in a flood of blocked opens (nothing is kept while they wait): all delivered, none counted lost', async () => {
    const fifo = join(dir, 'flood-fifo');
    const marker = join(dir, 'flood-marker');
    writeFileSync(marker, 'x');
    await run('mkfifo', [fifo]);
    const n = 10240; // what the hash table of opens in flight once held: it then counted the next opens as pending_full
    const bin = join(dir, 'flooder');
    writeFileSync(`${bin}.c`, FLOODER);
    const cc = spawnSync('cc', ['-O2', '-pthread', '-o', bin, `${bin}.c`], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`cc failed: ${cc.stderr}`);
    const before = { ...counters().losses };
    const r = await run(bin, [fifo, String(n), marker, COMM]);
    expect(r.code, r.stderr).toBe(0);
    const [fd, w] = r.stdout.trim().split(' ').map(Number) as [number, number];
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(w).toBeGreaterThanOrEqual(0);
    // n + 2 opens reached the hook while n were in flight: the n blocked ones, the marker's and the FIFO writer's
    await waitFor(() => s.events.filter((e) => e.fields.path === fifo).length >= n + 1, 15000, `${n} released FIFO opens and the writer's`);
    await waitFor(() => s.events.some((e) => e.fields.path === marker), 5000, 'the marker open');
    const after = counters().losses;
    expect(s.events.filter((e) => e.fields.path === marker)).toHaveLength(1);
    expect(s.events.filter((e) => e.fields.path === fifo)).toHaveLength(n + 1);
    expect(after.pending_full - before.pending_full).toBe(0);
    expect(after.ringbuf_full - before.ringbuf_full).toBe(0);
  }, 60000);

  it('reads openat2 flags from a page the process never touched (the kernel faults it in; the probe reads it at exit)', async () => {
    const target = join(dir, 'created-by-openat2');
    const fd = Number((await python(UNTOUCHED_HOW, [target, join(dir, 'how.bin')])).trim());
    expect(fd).toBeGreaterThanOrEqual(0);
    const e = await waitFor(() => s.events.find((x) => x.fields.syscall === 'openat2' && x.fields.path === target), 5000, 'the openat2');
    const O_WRONLY = 1, O_CREAT = 0o100;
    expect(e.fields.flags).toBe(O_WRONLY | O_CREAT);
    expect(e.fields.mode).toBe(0o600);
  });

  it('sees a file opened by handle, with no path passed, by the path of the file opened', async () => {
    const target = join(dir, 'by-handle');
    writeFileSync(target, 'x');
    const fd = Number((await python(BY_HANDLE, [target])).trim());
    expect(fd).toBeGreaterThanOrEqual(0);
    const e = await waitFor(() => s.events.find((x) => x.fields.syscall === 'open_by_handle_at' && x.fields.ret === fd), 5000, 'the open by handle');
    expect(e.fields).toMatchObject({ path: target, raw_path: '', truncated: 0 });
  });

  it('reports the file the kernel opened when a second thread rewrites the path during the open', async () => {
    const fifo = join(dir, 'fifo');
    const innocent = join(dir, 'innocent');
    writeFileSync(innocent, 'x');
    await run('mkfifo', [fifo]);
    const [tid, fd] = (await python(REWRITER, [fifo, innocent])).trim().split(' ').map(Number) as [number, number];
    expect(fd).toBeGreaterThanOrEqual(0);
    const e = await waitFor(() => s.events.find((x) => x.tid === tid && x.fields.ret === fd), 5000, 'the rewritten open');
    expect(str(e.fields.raw_path)).toBe(innocent); // what the buffer said afterwards
    expect(str(e.fields.path)).toBe(fifo); // what the kernel opened
    expect(openedElsewhere(fd, e.fields.path as string, e.fields.raw_path as string)).toBe(true);
    expect(opensnoop.describe(e).map((p) => (typeof p === 'string' ? p : str(p.data))).join('')).toContain(`${fifo} O_RDONLY [passed: ${innocent}]`);
  });
});

/** Runs `bin` with a short argv[0], so a long path does not also make argv long; resolves with its pid. */
function runAs(bin: string, argv0: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { argv0, stdio: 'ignore' });
    p.on('error', reject);
    p.on('close', () => resolve(p.pid!));
  });
}

/** Fails an execve of /bin/true with an argv pointer that cannot be read; prints the errno. */
const BAD_ARGV = `
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"${COMM}", 0, 0, 0)
libc.execve(b"/bin/true", ctypes.c_void_p(8), None)
print(ctypes.get_errno())
`;

/** A thread other than the leader sets its comm and execs argv[2] (a copy of true named t) with argv[1]; prints its tid first. */
const THREAD_EXECS = `
import ctypes, os, sys, threading
def t():
    ctypes.CDLL(None).prctl(15, b"${COMM}", 0, 0, 0)
    print(threading.get_native_id(), flush=True)
    os.execv(sys.argv[2], ["t", sys.argv[1]])
threading.Thread(target=t).start()
threading.Event().wait()
`;

/** Thread ids with an entry in any loaded exec_pending map. */
function pendingExecTids(): number[] {
  const r = spawnSync('bpftool', ['-j', 'map', 'dump', 'name', 'exec_pending'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bpftool map dump failed: ${r.stderr}`);
  const tids: number[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.key === 'number') tids.push(o.key);
      else if (Array.isArray(o.key) && o.key.every((b) => typeof b === 'string')) tids.push(Buffer.from((o.key as string[]).map((b) => parseInt(b, 16))).readUInt32LE(0));
      else if (o.formatted) visit(o.formatted);
      else for (const x of Object.values(o)) if (typeof x === 'object') visit(x);
    }
  };
  visit(JSON.parse(r.stdout || '[]'));
  return tids;
}

describeKernel('a hostile process cannot hide an exec in a deep directory or behind a bad argv (real kernel)', () => {
  let root: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ebpfsh-deep-exec-'));
    const { execsnoop } = await import('../../src/probes/execsnoop/spec.js');
    s = startSession(execsnoop, [`comm=t,${COMM}`]);
  });
  afterAll(async () => {
    s.engine.close();
    await run('rm', ['-rf', root]); // deeper than PATH_MAX: rm walks it relatively
  });
  const counters = () => s.engine.counters().find((x) => x.probe === 'execsnoop')!;

  it('delivers an exec whose filename and exe are each 600 and 4095 bytes, whole and unflagged', async () => {
    for (const total of [600, 4095]) {
      const bin = deepFile(join(root, String(total)), total);
      rmSync(bin);
      copyFileSync('/bin/true', bin);
      const pid = await runAs(bin, 't', [`deep-${total}`]);
      const e = await waitFor(() => s.events.find((x) => x.pid === pid), 5000, `the ${total}-byte exec`);
      expect(e.fields).toMatchObject({ ret: 0, filename: bin, exe: bin, argv: ['t', `deep-${total}`], truncated: 0 });
    }
    expect(counters().losses.decode_error).toBe(0);
  });

  it('flags and counts once an exe deeper than PATH_MAX, keeping its deepest 4095 bytes', async () => {
    const before = counters().losses.truncated;
    const name = 'e'.repeat(200);
    const tag = `past-path-max-${process.pid}`;
    // relative mkdir/cd: the tree is deeper than any absolute path the kernel accepts
    const script = `import os, shutil\nos.chdir(${JSON.stringify(root)})\nfor _ in range(25):\n    os.mkdir("${name}")\n    os.chdir("${name}")\nshutil.copy("/bin/true", "t")\nos.execv("./t", ["t", "${tag}"])`;
    const r = await run('python3', ['-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && (x.fields.argv as string[]).includes(tag)), 5000, 'the deep exec');
    expect(e.fields.filename).toBe('./t');
    expect(e.fields.truncated).toBe(1);
    expect(str(e.fields.exe)).toMatch(new RegExp(`^/(${name}/)+t$`));
    expect(str(e.fields.exe).length).toBeLessThanOrEqual(4095);
    expect(counters().losses.truncated - before).toBe(1);
  });

  it('leaves no pending entry behind when a thread other than the leader execs (it takes the leader’s tid)', async () => {
    const tag = `thread-exec-${process.pid}`;
    const bin = join(root, 't');
    copyFileSync('/bin/true', bin);
    const p = spawn('python3', ['-c', THREAD_EXECS, tag, bin], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const tid = Number(await waitFor(() => /^\d+\n/.exec(out)?.[0], 5000, 'the exec-ing thread id'));
    const e = await waitFor(() => s.events.find((x) => x.pid === p.pid && (x.fields.argv as string[]).includes(tag)), 5000, 'the exec from a thread');
    expect(e.fields.ret).toBe(0);
    expect(tid).not.toBe(p.pid);
    expect(pendingExecTids()).not.toContain(tid);
    expect(pendingExecTids()).not.toContain(p.pid);
  });

  it('flags and counts a failed exec whose argv pointer cannot be read', async () => {
    const before = counters().losses.string_fault;
    const errno = Number((await python(BAD_ARGV, [])).trim());
    expect(errno).toBe(14); // EFAULT
    const e = await waitFor(() => s.events.find((x) => str(x.comm) === COMM && x.fields.ret === -14), 5000, 'the failed exec');
    expect(e.fields).toMatchObject({ filename: '/bin/true', argc: null, argv: [] });
    expect(counters().losses.string_fault - before).toBe(1);
  });
});
