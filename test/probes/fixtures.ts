// Hand-written record bytes with the offsets of the C structs as they are
// today. If bpf/*.h changes a layout, the decode tests fail until both sides
// (C, and these fixtures after a conscious look) agree again.

/** Writes struct event_header (64 bytes) for probe `probeId`. */
function header(buf: Buffer, probeId: number, kind: number, comm: string): void {
  buf.writeBigUInt64LE(123_456_789_000n, 0); // ts_ns
  buf.writeBigUInt64LE(4242n, 8); // cgroup_id
  buf.writeUInt16LE(probeId, 16);
  buf.writeUInt16LE(kind, 18);
  buf.writeUInt32LE(1000, 20); // tgid
  buf.writeUInt32LE(1001, 24); // tid
  buf.writeUInt32LE(1, 28); // ppid
  buf.writeUInt32LE(1000, 32); // uid
  buf.writeUInt32LE(100, 36); // gid
  buf.writeUInt32LE(4026531836, 40); // pidns
  buf.writeUInt32LE(7, 44); // ns_tgid
  buf.write(comm, 48, 16, 'latin1');
}

/** struct exec_event with data = filename\0 exe\0 args. */
export function execRecord(probeId: number, o: { ret: number; filename: Buffer; exe: Buffer; args: Buffer; argc: number; flags?: number }): Buffer {
  const data = Buffer.concat([o.filename, Buffer.from([0]), o.exe, Buffer.from([0]), o.args]);
  const buf = Buffer.alloc(84 + data.length);
  header(buf, probeId, o.ret < 0 ? 1 : 0, 'bash');
  buf.writeInt32LE(o.ret, 64);
  buf.writeUInt32LE(o.argc, 68);
  buf.writeUInt32LE(o.args.length, 72); // args_size
  buf.writeUInt16LE(o.flags ?? 0, 76);
  buf.writeUInt16LE(o.filename.length + 1, 78);
  buf.writeUInt16LE(o.exe.length + 1, 80);
  buf.writeUInt16LE(o.args.length, 82);
  data.copy(buf, 84);
  return buf;
}

/** struct open_event with data = path\0 [abs\0] [real\0]. */
export function openRecord(
  probeId: number,
  o: { ret: number; path: Buffer; abs?: Buffer; real?: Buffer; flags: number; mode: number; kind: number; evFlags?: number },
): Buffer {
  const abs = o.abs ? Buffer.concat([o.abs, Buffer.from([0])]) : Buffer.alloc(0);
  const real = o.real ? Buffer.concat([o.real, Buffer.from([0])]) : Buffer.alloc(0);
  const data = Buffer.concat([o.path, Buffer.from([0]), abs, real]);
  const buf = Buffer.alloc(96 + data.length);
  header(buf, probeId, o.kind, 'vi');
  buf.writeInt32LE(o.ret, 64);
  buf.writeInt32LE(-100, 68); // dfd
  buf.writeBigUInt64LE(BigInt(o.flags), 72);
  buf.writeUInt32LE(o.mode, 80);
  buf.writeUInt16LE(o.evFlags ?? 0, 84);
  buf.writeUInt16LE(o.path.length + 1, 86);
  buf.writeUInt16LE(abs.length, 88);
  buf.writeUInt16LE(real.length, 90);
  data.copy(buf, 96);
  return buf;
}

/** struct connect_event (112 bytes). */
export function connectRecord(probeId: number, o: { ret: number; family: number; sport: number; dport: number; saddr: number[]; daddr: number[] }): Buffer {
  const buf = Buffer.alloc(112);
  header(buf, probeId, 0, 'curl');
  buf.writeInt32LE(o.ret, 64);
  buf.writeUInt16LE(o.family, 68);
  buf.writeUInt16LE(o.sport, 70);
  buf.writeUInt16LE(o.dport, 72);
  buf.writeUInt32LE(1500, 76);
  Buffer.from(o.saddr).copy(buf, 80);
  Buffer.from(o.daddr).copy(buf, 96);
  return buf;
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
