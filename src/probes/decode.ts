import { bindMembers, memberOffset, type BoundMember, type Layouts } from './layout.js';
import { cString, toByteString } from './bytes.js';
import type { EventHeader, MemberType, ProbeSpec, RawRecord, TraceEvent } from './types.js';

/** The header members the engine reads, with their C types. */
export const HEADER_MEMBERS: Record<string, MemberType> = {
  ts_ns: 'u64',
  cgroup_id: 'u64',
  probe_id: 'u16',
  kind: 'u16',
  tgid: 'u32',
  tid: 'u32',
  ppid: 'u32',
  uid: 'u32',
  gid: 'u32',
  pidns: 'u32',
  ns_tgid: 'u32',
  comm: 'bytes',
};

/** Thrown for a record that cannot be decoded (counted as a decode loss). */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

function readMember(buf: Buffer, base: number, m: BoundMember): number | Uint8Array {
  const at = base + m.offset;
  switch (m.type) {
    case 'u8':
      return buf[at]!;
    case 'u16':
      return buf.readUInt16LE(at);
    case 'u32':
      return buf.readUInt32LE(at);
    case 'i32':
      return buf.readInt32LE(at);
    case 'u64':
      return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
    case 'i64':
      return Number(buf.readBigInt64LE(at));
    case 'bytes':
      return buf.subarray(at, at + m.size);
  }
}

/** Decodes the common header of a record. */
export class HeaderDecoder {
  readonly size: number;
  readonly probeIdOffset: number;
  private readonly m: Record<string, BoundMember>;

  constructor(layouts: Layouts) {
    const bound = bindMembers(layouts, 'event_header', HEADER_MEMBERS);
    this.m = Object.fromEntries(bound.map((b) => [b.name, b]));
    this.size = layouts.structs.event_header!.size;
    this.probeIdOffset = this.m.probe_id!.offset;
  }

  /** The probe id of the record at `base`. */
  probeId(buf: Buffer, base: number): number {
    return buf.readUInt16LE(base + this.probeIdOffset);
  }

  decode(buf: Buffer, base: number): EventHeader {
    const m = this.m;
    return {
      ts: readMember(buf, base, m.ts_ns!) as number,
      kind: buf.readUInt16LE(base + m.kind!.offset),
      pid: buf.readUInt32LE(base + m.tgid!.offset),
      tid: buf.readUInt32LE(base + m.tid!.offset),
      ppid: buf.readUInt32LE(base + m.ppid!.offset),
      uid: buf.readUInt32LE(base + m.uid!.offset),
      gid: buf.readUInt32LE(base + m.gid!.offset),
      cgroup: readMember(buf, base, m.cgroup_id!) as number,
      pidns: buf.readUInt32LE(base + m.pidns!.offset),
      nspid: buf.readUInt32LE(base + m.ns_tgid!.offset),
      comm: toByteString(cString(readMember(buf, base, m.comm!) as Uint8Array)),
    };
  }
}

/** Decodes one probe's records: header, members, data[] segments, fields. */
export class RecordDecoder {
  private readonly members: BoundMember[];
  private readonly segmentLens: BoundMember[];
  private readonly dataOffset: number;
  private readonly fixedSize: number;

  constructor(
    readonly probe: ProbeSpec,
    layouts: Layouts,
    private readonly header: HeaderDecoder,
  ) {
    const rec = probe.record;
    this.members = bindMembers(layouts, rec.struct, rec.members);
    const segs = rec.segments ?? [];
    this.segmentLens = this.members.filter((m) => segs.includes(m.name));
    if (this.segmentLens.length !== segs.length)
      throw new DecodeError(`${probe.name}: segment lengths ${segs.join(',')} must be listed in record.members`);
    this.segmentLens.sort((a, b) => segs.indexOf(a.name) - segs.indexOf(b.name));
    this.dataOffset = segs.length ? memberOffset(layouts, rec.struct, 'data') : layouts.structs[rec.struct]!.size;
    this.fixedSize = segs.length ? this.dataOffset : layouts.structs[rec.struct]!.size;
  }

  /** Decodes the record of `len` bytes at `base` in `buf`. */
  decode(buf: Buffer, base: number, len: number): TraceEvent {
    if (len < this.fixedSize) throw new DecodeError(`${this.probe.name}: record of ${len} bytes is shorter than ${this.fixedSize}`);
    const hdr = this.header.decode(buf, base);
    const members: Record<string, number | Uint8Array> = {};
    for (const m of this.members) members[m.name] = readMember(buf, base, m);
    const segments: Uint8Array[] = [];
    let at = base + this.dataOffset;
    const end = base + len;
    for (const s of this.segmentLens) {
      const n = members[s.name] as number;
      if (at + n > end) throw new DecodeError(`${this.probe.name}: segment ${s.name}=${n} runs past the record`);
      let seg = buf.subarray(at, at + n);
      if (n > 0 && seg[n - 1] === 0) seg = seg.subarray(0, n - 1);
      segments.push(seg);
      at += n;
    }
    const raw: RawRecord = { members, segments };
    const ev = hdr as TraceEvent;
    ev.probe = this.probe.name;
    ev.fields = this.probe.decode(raw, hdr.kind);
    return ev;
  }
}
