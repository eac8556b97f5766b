// Record bytes built from build/bpf/layouts.json (the objects' BTF): each value
// is written by member name at the offset and with the size and signedness the
// C struct has, so a layout change in bpf/probes/*.h moves the fixtures with
// it, and a renamed or removed member fails here by name.
import { readFileSync } from 'node:fs';
import { EXEC_KIND_EXEC, EXEC_KIND_FAILED } from '../../src/event/generated/skeleton.js';

interface Member {
  offset: number;
  size: number;
  type: 'int' | 'uint' | 'char' | 'array' | 'struct';
}
interface Struct {
  size: number;
  members: Record<string, Member>;
}
const layouts = JSON.parse(readFileSync(new URL('../../build/bpf/layouts.json', import.meta.url), 'utf8')) as { structs: Record<string, Struct> };

function struct(name: string): Struct {
  const s = layouts.structs[name];
  if (!s) throw new Error(`fixtures: struct ${name} is not in build/bpf/layouts.json (rebuild: bash scripts/build-bpf.sh)`);
  return s;
}

/** Writes `value` into member `name` of struct `of` placed at `base` in `buf`. */
function put(buf: Buffer, of: string, name: string, value: number | bigint | Buffer | string, base = 0): void {
  const m = struct(of).members[name];
  if (!m) throw new Error(`fixtures: struct ${of} has no member ${name}`);
  const at = base + m.offset;
  if (m.type === 'array') {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : (value as Buffer);
    if (bytes.length > m.size) throw new Error(`fixtures: ${of}.${name} holds ${m.size} bytes, not ${bytes.length}`);
    bytes.copy(buf, at);
    return;
  }
  if (m.type === 'struct' || typeof value === 'string' || Buffer.isBuffer(value)) throw new Error(`fixtures: ${of}.${name} is not an integer`);
  const signed = m.type === 'int';
  switch (m.size) {
    case 1:
      signed ? buf.writeInt8(Number(value), at) : buf.writeUInt8(Number(value), at);
      return;
    case 2:
      signed ? buf.writeInt16LE(Number(value), at) : buf.writeUInt16LE(Number(value), at);
      return;
    case 4:
      signed ? buf.writeInt32LE(Number(value), at) : buf.writeUInt32LE(Number(value), at);
      return;
    case 8:
      signed ? buf.writeBigInt64LE(BigInt(value), at) : buf.writeBigUInt64LE(BigInt(value), at);
      return;
    default:
      throw new Error(`fixtures: ${of}.${name} is ${m.size} bytes`);
  }
}

/**
 * A record of struct `name`: the common header, then `fields` by member name,
 * then `data` in the trailing data[] (fixed-size records have none).
 */
export function record(name: string, head: { probeId: number; kind: number; comm: string }, fields: Record<string, number | bigint | Buffer>, data?: Buffer): Buffer {
  const s = struct(name);
  const dataOffset = data ? s.members.data?.offset : undefined;
  if (data && dataOffset === undefined) throw new Error(`fixtures: struct ${name} has no data[]`);
  const buf = Buffer.alloc(dataOffset !== undefined ? dataOffset + data!.length : s.size);
  const hdr = s.members.hdr!.offset;
  const h = {
    ts_ns: 123_456_789_000n,
    cgroup_id: 4242n,
    probe_id: head.probeId,
    kind: head.kind,
    tgid: 1000,
    tid: 1001,
    ppid: 1,
    uid: 1000,
    gid: 100,
    pidns: 4026531836,
    ns_tgid: 7,
    comm: head.comm,
  };
  for (const [k, v] of Object.entries(h)) put(buf, 'event_header', k, v, hdr);
  for (const [k, v] of Object.entries(fields)) put(buf, name, k, v);
  if (data) data.copy(buf, dataOffset);
  return buf;
}

/** struct exec_event with data = filename\0 exe\0 args. */
export function execRecord(probeId: number, o: { ret: number; filename: Buffer; exe: Buffer; args: Buffer; argc: number; flags?: number }): Buffer {
  const data = Buffer.concat([o.filename, Buffer.from([0]), o.exe, Buffer.from([0]), o.args]);
  const fields = {
    ret: o.ret,
    argc: o.argc,
    args_size: o.args.length,
    flags: o.flags ?? 0,
    filename_len: o.filename.length + 1,
    exe_len: o.exe.length + 1,
    args_len: o.args.length,
  };
  return record('exec_event', { probeId, kind: o.ret < 0 ? EXEC_KIND_FAILED : EXEC_KIND_EXEC, comm: 'bash' }, fields, data);
}

/** struct open_event with data = path\0 [abs\0] [real\0]. */
export function openRecord(
  probeId: number,
  o: { ret: number; path: Buffer; abs?: Buffer; real?: Buffer; flags: number; mode: number; kind: number; evFlags?: number },
): Buffer {
  const abs = o.abs ? Buffer.concat([o.abs, Buffer.from([0])]) : Buffer.alloc(0);
  const real = o.real ? Buffer.concat([o.real, Buffer.from([0])]) : Buffer.alloc(0);
  const data = Buffer.concat([o.path, Buffer.from([0]), abs, real]);
  const fields = {
    ret: o.ret,
    dfd: -100,
    flags: BigInt(o.flags),
    mode: o.mode,
    ev_flags: o.evFlags ?? 0,
    path_len: o.path.length + 1,
    abs_len: abs.length,
    real_len: real.length,
  };
  return record('open_event', { probeId, kind: o.kind, comm: 'vi' }, fields, data);
}

/** struct connect_event (fixed size). */
export function connectRecord(probeId: number, o: { ret: number; family: number; sport: number; dport: number; saddr: number[]; daddr: number[] }): Buffer {
  const fields = {
    ret: o.ret,
    family: o.family,
    sport: o.sport,
    dport: o.dport,
    latency_us: 1500,
    saddr: Buffer.from(o.saddr),
    daddr: Buffer.from(o.daddr),
  };
  return record('connect_event', { probeId, kind: 0, comm: 'curl' }, fields);
}

/** Frames records as the native reader does: [u32 len][record][pad to 8]. */
export function frame(records: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length);
    const pad = Buffer.alloc(((4 + r.length + 7) & ~7) - 4 - r.length);
    parts.push(len, r, pad);
  }
  return Buffer.concat(parts);
}
