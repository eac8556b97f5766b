import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeaderDecoder, RecordDecoder, compileMatcher, loadLayouts, parseFilters, type TraceEvent } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { bpfsnoop } from '../../src/probes/bpfsnoop/spec.js';
import { cmdName, parseCmd, progTypeName } from '../../src/probes/bpfsnoop/names.js';
import {
  BPF_CGROUP_INET4_CONNECT,
  BPF_EV_ATTR_FAULT,
  BPF_LINK_CREATE,
  BPF_MAP_CREATE,
  BPF_MAP_LOOKUP_ELEM,
  BPF_MAP_TYPE_ARRAY,
  BPF_PROG_LOAD,
  BPF_PROG_TYPE_KPROBE,
  BPF_PROG_TYPE_SOCKET_FILTER,
} from '../../src/event/generated/skeleton.js';
import { escapeTerminal } from '../../src/text/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { startSession } from '../engine/kernel-session.js';
import { structRecord } from './fixtures.js';

const layouts = loadLayouts();
const header = new HeaderDecoder(layouts);
const decode = (rec: Buffer) => new RecordDecoder(bpfsnoop, layouts, header).decode(rec, 0, rec.length);

function bpfRecord(o: Record<string, number | bigint | Buffer> = {}): Buffer {
  const fields = {
    ret: 5n, cmd: BPF_PROG_LOAD, attr_size: 144, type: BPF_PROG_TYPE_KPROBE, insn_cnt: 42, key_size: 0, value_size: 0, max_entries: 0,
    attach_type: 0, target_fd: 0, prog_fd: 0, ev_flags: 0, name: Buffer.from('evilprog'), ...o,
  };
  return structRecord('bpf_event', { probeId: probeId(bpfsnoop), kind: 0, comm: 'loader' }, fields);
}

const text = (parts: ReturnType<typeof bpfsnoop.describe>) => parts.map((p) => (typeof p === 'string' ? p : escapeTerminal(p.data as string))).join('');
const matches = (words: string[], e: TraceEvent) => compileMatcher(parseFilters(words, [bpfsnoop]), bpfsnoop)!(e);

describe('bpfsnoop records', () => {
  it('decodes a program load with its type and name by the kernel’s names', () => {
    const e = decode(bpfRecord());
    expect(e.fields).toEqual({
      ret: 5, cmd: BPF_PROG_LOAD, cmd_name: 'BPF_PROG_LOAD', prog_type: 'BPF_PROG_TYPE_KPROBE', map_type: null, name: 'evilprog', insn_cnt: 42,
      key_size: null, value_size: null, max_entries: null, attach_type: null, target_fd: null, prog_fd: null, attr_size: 144,
    });
    expect(text(bpfsnoop.describe(e))).toBe('BPF_PROG_LOAD BPF_PROG_TYPE_KPROBE "evilprog" 42 insns = 5');
  });

  it('decodes a map creation and an attach', () => {
    const m = decode(bpfRecord({ cmd: BPF_MAP_CREATE, type: BPF_MAP_TYPE_ARRAY, key_size: 4, value_size: 8, max_entries: 16, name: Buffer.from('keys') }));
    expect(m.fields).toMatchObject({ cmd_name: 'BPF_MAP_CREATE', map_type: 'BPF_MAP_TYPE_ARRAY', prog_type: null, name: 'keys', key_size: 4, value_size: 8, max_entries: 16, insn_cnt: null });
    expect(text(bpfsnoop.describe(m))).toBe('BPF_MAP_CREATE BPF_MAP_TYPE_ARRAY "keys" 4/8x16 = 5');
    const l = decode(bpfRecord({ cmd: BPF_LINK_CREATE, ret: -13n, attach_type: BPF_CGROUP_INET4_CONNECT, prog_fd: 3, target_fd: 4 }));
    expect(l.fields).toMatchObject({ attach_type: 'BPF_CGROUP_INET4_CONNECT', prog_fd: 3, target_fd: 4, name: null, prog_type: null });
    expect(text(bpfsnoop.describe(l))).toBe('BPF_LINK_CREATE BPF_CGROUP_INET4_CONNECT prog_fd=3 target_fd=4 EACCES');
  });

  it('reads no attr fields for other commands or an unreadable attr', () => {
    const lookup = decode(bpfRecord({ cmd: BPF_MAP_LOOKUP_ELEM, ret: 0n }));
    expect(lookup.fields).toMatchObject({ cmd_name: 'BPF_MAP_LOOKUP_ELEM', prog_type: null, name: null, insn_cnt: null });
    expect(text(bpfsnoop.describe(lookup))).toBe('BPF_MAP_LOOKUP_ELEM = 0');
    const fault = decode(bpfRecord({ ret: -14n, ev_flags: BPF_EV_ATTR_FAULT }));
    expect(fault.fields).toMatchObject({ prog_type: null, name: null, insn_cnt: null });
    expect(text(bpfsnoop.describe(fault))).toBe('BPF_PROG_LOAD EFAULT');
  });

  it('keeps a 16-byte name with no NUL and hostile bytes exact', () => {
    expect(decode(bpfRecord({ name: Buffer.from('0123456789abcdef') })).fields.name).toBe('0123456789abcdef');
    const bad = Buffer.from('\x1b[2J\xffx', 'latin1');
    const e = decode(bpfRecord({ name: bad }));
    expect(e.fields.name).toEqual(Uint8Array.from(bad));
    expect(text(bpfsnoop.describe(e))).not.toContain('\x1b');
  });

  it('names commands and types from the kernel’s enums, unknown ones by number', () => {
    expect(cmdName(BPF_PROG_LOAD)).toBe('BPF_PROG_LOAD');
    expect(cmdName(9999)).toBe('BPF_CMD_9999');
    expect(progTypeName(BPF_PROG_TYPE_SOCKET_FILTER)).toBe('BPF_PROG_TYPE_SOCKET_FILTER');
  });
});

describe('bpfsnoop filters', () => {
  const load = decode(bpfRecord());
  it('cmd= takes the name with or without BPF_, any case, or a number', () => {
    for (const v of ['PROG_LOAD', 'BPF_PROG_LOAD', 'prog_load', String(BPF_PROG_LOAD)]) expect(matches([`cmd=${v}`], load)).toBe(true);
    expect(matches(['cmd=MAP_CREATE,LINK_CREATE'], load)).toBe(false);
    expect(parseCmd('map_create')).toBe(BPF_MAP_CREATE);
    expect(() => parseFilters(['cmd=hack'], [bpfsnoop])).toThrow(/cmd=PROG_LOAD/);
  });
});

describe('bpfsnoop facets', () => {
  const f = bpfsnoop.facets!;
  it('names the command in the detail pane and offers it without BPF_', () => {
    expect(f.detailValue!('cmd', BPF_MAP_CREATE)).toBe('BPF_MAP_CREATE');
    expect(f.detailValue!('ret', 3)).toBeUndefined();
    const out: string[][] = [];
    f.completionValues!(decode(bpfRecord()), (k, v) => out.push([k, v]));
    expect(out).toEqual([['cmd', 'PROG_LOAD']]);
  });

  it('flags a successful program load as bpf load, nothing else', () => {
    expect(f.security!(decode(bpfRecord()))).toEqual({ label: 'bpf load', parts: ['BPF_PROG_TYPE_KPROBE "', { data: 'evilprog' }, '" 42 insns, fd 5'] });
    expect(f.security!(decode(bpfRecord({ ret: -1n })))).toBeUndefined();
    expect(f.security!(decode(bpfRecord({ cmd: BPF_MAP_CREATE })))).toBeUndefined();
  });

  it('lists calls under the process in the tree, escaping capture text', () => {
    const lines = f.tree!.lines(
      [[1, 5, 'BPF_PROG_LOAD', 'BPF_PROG_TYPE_KPROBE', null, 'evil\x1b[2J'], [2, -1, 'BPF_MAP_CREATE', null, 'BPF_MAP_TYPE_HASH', 'm'], [3, 0, 'BPF_OBJ_PIN', null, null, null]],
      { time: String, indent: '', perKind: 10 },
    );
    expect(lines).toEqual([
      '  bpf     1 BPF_PROG_LOAD BPF_PROG_TYPE_KPROBE "evil\\e[2J" 5',
      '  bpf     2 BPF_MAP_CREATE BPF_MAP_TYPE_HASH "m" EPERM',
      '  bpf     3 BPF_OBJ_PIN 0',
    ]);
  });
});

// bpf() as a loader of its own would call it: ctypes, a hand-built union bpf_attr.
const BPF_PY = `
import ctypes, os, platform, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
NR = {"x86_64": 321, "aarch64": 280}[platform.machine()]
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, len(attr))
    r = libc.syscall(NR, cmd, buf, len(attr))
    return r if r >= 0 else -ctypes.get_errno()
what = sys.argv[1]
if what == "map":
    # map_type, key_size, value_size, max_entries, map_flags, inner_map_fd, numa_node, map_name[16]
    print("map", bpf(0, struct.pack("=7I16s", 2, 4, 8, 4, 0, 0, 0, b"evilmap") + bytes(4)))
if what in ("prog", "badprog"):
    insns = ctypes.create_string_buffer(struct.pack("=BBhi", 0xb7, 0, 0, 0) + struct.pack("=BBhi", 0x95, 0, 0, 0), 16)
    lic = ctypes.create_string_buffer(b"GPL")
    ptype = 1 if what == "prog" else 9999  # badprog: no such program type
    # prog_type, insn_cnt, insns, license, log_level, log_size, log_buf, kern_version, prog_flags, prog_name[16]
    attr = struct.pack("=IIQQIIQII16s", ptype, 2, ctypes.addressof(insns), ctypes.addressof(lic), 0, 0, 0, 0, 0, b"evilprog")
    print(what, bpf(5, attr))
`;

describeKernel('bpfsnoop on the real kernel', () => {
  let dir: string;
  let py: string;
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    // a comm of our own: other helpers' loaders (and other ebpfsh sessions) do not count
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-bpf-'));
    chmodSync(dir, 0o755);
    py = join(dir, 'ebpfsh-bpft');
    symlinkSync('/usr/bin/python3', py);
    s = startSession(bpfsnoop, ['comm=ebpfsh-bpft']);
  });
  afterAll(() => {
    s.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees a map created, with its type, sizes and name', async () => {
    const r = await run(py, ['-c', BPF_PY, 'map']);
    expect(r.stdout).toMatch(/^map \d+/);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.cmd === BPF_MAP_CREATE), 5000, 'the map create');
    expect(e.fields).toMatchObject({ cmd_name: 'BPF_MAP_CREATE', map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4, name: 'evilmap' });
    expect(e.fields.ret as number).toBeGreaterThanOrEqual(3);
  });

  it('sees a socket filter program loaded, with its type, name and size, as a bpf load', async () => {
    const r = await run(py, ['-c', BPF_PY, 'prog']);
    expect(r.stdout).toMatch(/^prog \d+/);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.cmd === BPF_PROG_LOAD), 5000, 'the program load');
    expect(e.fields).toMatchObject({ cmd_name: 'BPF_PROG_LOAD', prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', name: 'evilprog', insn_cnt: 2 });
    expect(e.fields.ret as number).toBeGreaterThanOrEqual(3);
    expect(bpfsnoop.facets!.security!(e)?.label).toBe('bpf load');
  });

  it('sees a load of an unknown program type fail with EINVAL, and a uid 1000 map refused with EPERM', async () => {
    const bad = await run(py, ['-c', BPF_PY, 'badprog']);
    expect(bad.stdout.trim()).toBe('badprog -22');
    const e = await waitFor(() => s.events.find((x) => x.pid === bad.pid), 5000, 'the failed load');
    expect(e.fields).toMatchObject({ ret: -22, cmd_name: 'BPF_PROG_LOAD', prog_type: 'BPF_PROG_TYPE_9999', insn_cnt: 2, name: 'evilprog' });
    expect(bpfsnoop.facets!.security!(e)).toBeUndefined();
    const user = await run(py, ['-c', BPF_PY, 'map'], { uid: 1000 });
    expect(user.stdout.trim()).toBe('map -1');
    const u = await waitFor(() => s.events.find((x) => x.pid === user.pid), 5000, 'the refused map');
    expect(u.fields).toMatchObject({ ret: -1, cmd_name: 'BPF_MAP_CREATE', name: 'evilmap' });
    expect(u.uid).toBe(1000);
  });
});
