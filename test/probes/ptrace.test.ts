import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { ptrace } from '../../src/probes/ptrace/spec.js';
import { parseRequest, requestName } from '../../src/probes/ptrace/requests.js';
import { PTR_F_IOV_PARTIAL, PTR_F_TARGET_UNKNOWN, PTR_KIND_PTRACE, PTR_KIND_VM_READV, PTR_KIND_VM_WRITEV } from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { structRecord } from './fixtures.js';

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);
const decode = (rec: Buffer) => new RecordDecoder(ptrace, layouts, header).decode(rec, 0, rec.length);
const ATTACH = 16, POKEDATA = 5, SEIZE = 0x4206, TRACEME = 0, GETREGS = 12;

/** 8 little-endian bytes. */
function u64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}

function ptraceRecord(kind: number, o: Record<string, number | bigint | Buffer> = {}): Buffer {
  const fields = { ret: 0n, request: BigInt(ATTACH), addr: u64(0n), data: u64(0n), bytes: 0n, target: 4242, target_tgid: 4242, iovcnt: 0, ev_flags: 0, target_comm: Buffer.from('sshd'), ...o };
  return structRecord('ptrace_event', { probeId: probeId(ptrace), kind, comm: 'gdb' }, fields);
}

const text = (parts: ReturnType<typeof ptrace.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string))).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [ptrace]), ptrace)!(e);

describe('ptrace records', () => {
  it('decodes a request by number and name, with the target and its comm', () => {
    const e = decode(ptraceRecord(PTR_KIND_PTRACE, { request: BigInt(POKEDATA), addr: u64(0x7ffd1000n), data: u64(0xcc90909090909090n) }));
    expect(e.fields).toEqual({
      ret: 0, syscall: 'ptrace', request: POKEDATA, request_name: 'PTRACE_POKEDATA', target: 4242, target_comm: 'sshd', target_tgid: 4242,
      addr: '0x7ffd1000', data: '0xcc90909090909090', iovcnt: null, bytes: null, truncated: 0,
    });
    expect(text(ptrace.describe(e))).toBe('PTRACE_POKEDATA 4242 (sshd) addr=0x7ffd1000 data=0xcc90909090909090 ok');
  });

  it('says when the target could not be found, and shows the errno', () => {
    const e = decode(ptraceRecord(PTR_KIND_PTRACE, { ret: -3n, ev_flags: PTR_F_TARGET_UNKNOWN, target_comm: Buffer.alloc(0), target_tgid: 0 }));
    expect(e.fields).toMatchObject({ target_comm: null, target_tgid: null, ret: -3 });
    expect(text(ptrace.describe(e))).toBe('PTRACE_ATTACH 4242 (?) ESRCH');
  });

  it('decodes process_vm_writev with iovecs, bytes and the first remote address', () => {
    const e = decode(ptraceRecord(PTR_KIND_VM_WRITEV, { ret: 16n, request: 0n, addr: u64(0x5000n), bytes: 16n, iovcnt: 1 }));
    expect(e.fields).toMatchObject({ syscall: 'process_vm_writev', request: null, request_name: null, data: null, iovcnt: 1, bytes: 16, addr: '0x5000' });
    expect(text(ptrace.describe(e))).toBe('process_vm_writev 4242 (sshd) 1 iovecs 16 bytes at 0x5000 16 bytes');
    const many = decode(ptraceRecord(PTR_KIND_VM_READV, { ret: -14n, iovcnt: 40, bytes: 320n, ev_flags: PTR_F_IOV_PARTIAL }));
    expect(many.fields).toMatchObject({ syscall: 'process_vm_readv', truncated: 1 });
    expect(text(ptrace.describe(many))).toBe('process_vm_readv 4242 (sshd) 40 iovecs 320+ bytes at 0x0 EFAULT');
  });

  it('keeps a hostile target comm exact and escapes it when shown', () => {
    const e = decode(ptraceRecord(PTR_KIND_PTRACE, { target_comm: Buffer.from('\x1b]0;pwn\x07\xff', 'latin1') }));
    expect(e.fields.target_comm).toEqual(Uint8Array.from(Buffer.from('\x1b]0;pwn\x07\xff', 'latin1')));
    expect(text(ptrace.describe(e))).not.toContain('\x1b');
    const full = decode(ptraceRecord(PTR_KIND_PTRACE, { target_comm: Buffer.from('0123456789abcdef') }));
    expect(full.fields.target_comm).toBe('0123456789abcdef');
  });

  it('names unknown requests by number', () => {
    expect(requestName(0x9999)).toBe('PTRACE_0x9999');
  });
});

describe('ptrace filters', () => {
  const attach = decode(ptraceRecord(PTR_KIND_PTRACE));
  const write = decode(ptraceRecord(PTR_KIND_VM_WRITEV, { request: 0n, target: 77, target_tgid: 1077 }));
  it('request= takes the name with or without PTRACE_, any case, or a number', () => {
    for (const v of ['ATTACH', 'ptrace_attach', 'attach', 'PTRACE_ATTACH', '16']) expect(matches([`request=${v}`], attach)).toBe(true);
    expect(matches(['request=SEIZE,POKEDATA'], attach)).toBe(false);
    expect(matches(['request=ATTACH'], write)).toBe(false);
    expect(parseRequest('seize')).toBe(SEIZE);
    expect(() => parseFilters(['request=hack'], [ptrace])).toThrow(/request=ATTACH/);
  });

  it('target= matches the pid as passed or in the initial namespace', () => {
    expect(matches(['target=4242'], attach)).toBe(true);
    expect(matches(['target=77'], write)).toBe(true);
    expect(matches(['target=1077'], write)).toBe(true);
    expect(matches(['target=1'], write)).toBe(false);
    expect(() => parseFilters(['target=sshd'], [ptrace])).toThrow(/target=4242/);
  });
});

describe('ptrace facets', () => {
  const f = ptrace.facets!;
  it('names the request in the detail pane', () => {
    expect(f.detailValue!('request', SEIZE)).toBe('PTRACE_SEIZE');
    expect(f.detailValue!('ret', 0)).toBeUndefined();
  });

  it('offers the request without PTRACE_ and the target', () => {
    const out: string[][] = [];
    f.completionValues!(decode(ptraceRecord(PTR_KIND_PTRACE)), (k, v) => out.push([k, v]));
    expect(out).toEqual([['request', 'ATTACH'], ['target', '4242']]);
  });

  it('flags successful attaches as ptrace and writes as injection, not reads or failures', () => {
    expect(f.security!(decode(ptraceRecord(PTR_KIND_PTRACE)))).toEqual({ label: 'ptrace', parts: ['PTRACE_ATTACH', ' 4242 (', { data: 'sshd' }, ')'] });
    expect(f.security!(decode(ptraceRecord(PTR_KIND_PTRACE, { request: BigInt(SEIZE) })))?.label).toBe('ptrace');
    expect(f.security!(decode(ptraceRecord(PTR_KIND_PTRACE, { request: BigInt(POKEDATA), addr: u64(0x10n) })))?.label).toBe('injection');
    expect(f.security!(decode(ptraceRecord(PTR_KIND_VM_WRITEV, { ret: 8n, request: 0n })))?.label).toBe('injection');
    expect(f.security!(decode(ptraceRecord(PTR_KIND_VM_READV, { ret: 8n, request: 0n })))).toBeUndefined();
    expect(f.security!(decode(ptraceRecord(PTR_KIND_PTRACE, { request: BigInt(GETREGS) })))).toBeUndefined();
    expect(f.security!(decode(ptraceRecord(PTR_KIND_PTRACE, { ret: -1n })))).toBeUndefined();
  });

  it('lists requests under the process in the tree, escaping capture text', () => {
    const lines = f.tree!.lines(
      [[1, 0, 'ptrace', 'PTRACE_ATTACH', 42, 'sshd', null], [2, 16, 'process_vm_writev', null, 42, null, 16], [3, -1, 'ptrace', 'PTRACE_ATTACH', 1, 'x\x1b[2J', null]],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual(['  ptrace  1 PTRACE_ATTACH 42 (sshd) ok', '  ptrace  2 process_vm_writev 16 bytes 42 (?) ok', '  ptrace  3 PTRACE_ATTACH 1 (x\\e[2J) EPERM']);
  });
});

// What an injector does, through ctypes: attach, poke, detach; write another
// process's memory with process_vm_writev; TRACEME. The child renames itself
// `ebpfsh-victim` so its comm, read in the kernel, is known.
const INJECT = `
import ctypes, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
buf = ctypes.create_string_buffer(64)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    libc.prctl(15, b"ebpfsh-victim", 0, 0, 0)
    os.write(w, b"x")
    time.sleep(30)
    os._exit(0)
os.read(r, 1)
print("attach", libc.ptrace(16, pid, None, None))
os.waitpid(pid, 0)
print("poke", libc.ptrace(5, pid, ctypes.addressof(buf), ctypes.c_void_p(0x4141414141414141)))
print("detach", libc.ptrace(17, pid, None, None))
class iovec(ctypes.Structure): _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
src = ctypes.create_string_buffer(b"injected-payload", 16)
local = iovec(ctypes.addressof(src), 16)
remote = (iovec * 2)(iovec(ctypes.addressof(buf), 10), iovec(ctypes.addressof(buf) + 10, 6))
libc.process_vm_writev.restype = ctypes.c_ssize_t
print("write", libc.process_vm_writev(pid, ctypes.byref(local), 1, remote, 2, 0))
print("child", pid)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
`;
const TRACEME_PY = `
import ctypes, os
libc = ctypes.CDLL(None)
pid = os.fork()
if pid == 0:
    libc.prctl(15, b"ebpfsh-tracee", 0, 0, 0)
    os._exit(0 if libc.ptrace(0, 0, None, None) == 0 else 1)
print("child", pid, os.waitpid(pid, 0)[1])
`;
const ATTACH_DENIED = `
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
print(libc.ptrace(16, int(sys.argv[1]), None, None), ctypes.get_errno())
`;

describeKernel('ptrace on the real kernel', () => {
  let dir: string;
  let py: string;
  let s: ReturnType<typeof startSession>;
  let rootSleep: ChildProcess;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-ptrace-'));
    chmodSync(dir, 0o755);
    py = join(dir, 'ebpfsh-ptracet');
    symlinkSync('/usr/bin/python3', py);
    rootSleep = spawn('sleep', ['60'], { stdio: 'ignore' });
    s = startSession(ptrace, ['comm=ebpfsh-ptracet,ebpfsh-tracee']);
  });
  afterAll(() => {
    s.engine.close();
    rootSleep.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees attach, poke and detach of a child, with the target’s comm read in the kernel', async () => {
    const r = await run(py, ['-c', INJECT]);
    expect(r.stdout).toContain('attach 0');
    const child = Number(/child (\d+)/.exec(r.stdout)![1]);
    const mine = () => s.events.filter((x) => x.pid === r.pid);
    const attach = await waitFor(() => mine().find((x) => x.fields.request_name === 'PTRACE_ATTACH'), 5000, 'the attach');
    expect(attach.fields).toMatchObject({ ret: 0, syscall: 'ptrace', request: ATTACH, target: child, target_comm: 'ebpfsh-victim', target_tgid: child });
    const poke = await waitFor(() => mine().find((x) => x.fields.request === POKEDATA), 5000, 'the poke');
    expect(poke.fields).toMatchObject({ ret: 0, target: child, target_comm: 'ebpfsh-victim', data: '0x4141414141414141' });
    expect(ptrace.facets!.security!(poke)?.label).toBe('injection');
    expect(ptrace.facets!.security!(attach)?.label).toBe('ptrace');
    await waitFor(() => mine().find((x) => x.fields.request_name === 'PTRACE_DETACH'), 5000, 'the detach');
  });

  it('sees process_vm_writev into a child with the iovec count and bytes', async () => {
    const r = await run(py, ['-c', INJECT]);
    expect(r.stdout).toContain('write 16');
    const child = Number(/child (\d+)/.exec(r.stdout)![1]);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.syscall === 'process_vm_writev'), 5000, 'the write');
    expect(e.fields).toMatchObject({ ret: 16, target: child, target_comm: 'ebpfsh-victim', iovcnt: 2, bytes: 16, truncated: 0 });
    expect(ptrace.facets!.security!(e)?.label).toBe('injection');
  });

  it('sees PTRACE_TRACEME with the parent as the target', async () => {
    const r = await run(py, ["-c", TRACEME_PY]);
    const child = Number(/child (\d+) 0/.exec(r.stdout)![1]);
    const e = await waitFor(() => s.events.find((x) => x.pid === child && x.fields.request === TRACEME), 5000, 'the traceme');
    expect(e.fields).toMatchObject({ ret: 0, target: r.pid, target_comm: 'ebpfsh-ptracet' });
  });

  it('sees a uid 1000 attach to a root process refused with EPERM', async () => {
    const r = await run(py, ['-c', ATTACH_DENIED, String(rootSleep.pid)], { uid: 1000 });
    expect(r.stdout.trim()).toBe('-1 1');
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid), 5000, 'the refused attach');
    expect(e.fields).toMatchObject({ ret: -1, request: ATTACH, target: rootSleep.pid, target_comm: 'sleep' });
    expect(e.uid).toBe(1000);
    expect(ptrace.facets!.security!(e)).toBeUndefined();
  });
});
