import { bindMembers, memberOffset, type BoundMember, type Layouts } from './layout.js';
import { RepeatStrings, splitNulAt } from './bytes.js';
import type { ByteString, DecodeTarget, FieldValue, MemberType, RawRecord, TraceEvent } from './types.js';

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

type Reader = (buf: Buffer, base: number) => number | Uint8Array;

/** A reader for one member, bound to its offset once (the hot path does no dispatch). */
function memberReader(m: BoundMember): Reader {
  const o = m.offset;
  switch (m.type) {
    case 'u8':
      return (buf, base) => buf[base + o]!;
    case 'u16':
      return (buf, base) => buf.readUInt16LE(base + o);
    case 'u32':
      return (buf, base) => buf.readUInt32LE(base + o);
    case 'i32':
      return (buf, base) => buf.readInt32LE(base + o);
    case 'u64':
      return (buf, base) => buf.readUInt32LE(base + o) + buf.readUInt32LE(base + o + 4) * 0x1_0000_0000;
    case 'i64':
      return (buf, base) => Number(buf.readBigInt64LE(base + o));
    case 'bytes':
      return (buf, base) => buf.subarray(base + o, base + o + m.size);
  }
}

/**
 * Typed-array views of a batch's whole ArrayBuffer, so aligned members are
 * plain element loads instead of Buffer read calls (each a bounds-checked
 * function call). Built once per batch: every record of it shares them.
 */
interface Views {
  ab: ArrayBufferLike | undefined;
  u16: Uint16Array;
  u32: Uint32Array;
  i32: Int32Array;
  /** The batch these views were last asked for, and its byteOffset: both getters are builtin calls, per record they showed. */
  buf: Buffer | undefined;
  off: number;
}

/** Records are host-endian (the kernel wrote them); the Buffer readers below are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const views: Views = { ab: undefined, u16: new Uint16Array(0), u32: new Uint32Array(0), i32: new Int32Array(0), buf: undefined, off: 0 };

/**
 * The views over `buf`'s memory when the record at `base` is 4-byte aligned
 * in it (the reader frames every record so; a test fixture may not be), else
 * undefined: the caller reads through the Buffer then. `views.off` is
 * buf.byteOffset.
 */
function viewsFor(buf: Buffer, base: number): Views | undefined {
  if (views.buf !== buf) {
    const ab = buf.buffer;
    if (views.ab !== ab) {
      views.ab = ab;
      views.u16 = new Uint16Array(ab, 0, ab.byteLength >> 1);
      views.u32 = new Uint32Array(ab, 0, ab.byteLength >> 2);
      views.i32 = new Int32Array(ab, 0, ab.byteLength >> 2);
    }
    views.buf = buf;
    views.off = buf.byteOffset;
  }
  if (!LITTLE_ENDIAN || ((views.off + base) & 3) !== 0) return undefined;
  return views;
}

/** Generated read of one member at byte `p + offset` of the views (null: not aligned, read through the Buffer). */
function viewRead(m: BoundMember): string | null {
  const o = m.offset;
  switch (m.type) {
    case 'u8':
      return `buf[base + ${o}]`;
    case 'u16':
      return o % 2 ? null : `V.u16[(p + ${o}) >> 1]`;
    case 'u32':
      return o % 4 ? null : `V.u32[(p + ${o}) >> 2]`;
    case 'i32':
      return o % 4 ? null : `V.i32[(p + ${o}) >> 2]`;
    case 'u64':
      return o % 4 ? null : `V.u32[(p + ${o}) >> 2] + V.u32[(p + ${o + 4}) >> 2] * 4294967296`;
    case 'i64':
      return `Number(buf.readBigInt64LE(base + ${o}))`;
    case 'bytes':
      return `buf.subarray(base + ${o}, base + ${o + m.size})`;
  }
}

type FastMembers = (buf: Buffer, base: number, p: number, V: Views, m: Record<string, number | Uint8Array>) => void;

/**
 * The members of a record read into `m` by generated code (named stores in
 * one fixed order: one hidden class, no keyed stores), or undefined when a
 * member is not naturally aligned. Generated from the BTF offsets and the
 * probe's own member names (JSON-quoted), never from event data.
 */
function fastMembers(bound: readonly BoundMember[]): FastMembers | undefined {
  const lines: string[] = [];
  for (const m of bound) {
    const r = viewRead(m);
    if (r === null) return undefined;
    lines.push(`m[${JSON.stringify(m.name)}] = ${r};`);
  }
  return new Function(`return function members(buf, base, p, V, m) { ${lines.join(' ')} };`)() as FastMembers;
}

/** Decodes the common header of a record. */
export class HeaderDecoder {
  readonly size: number;
  readonly probeIdOffset: number;
  readonly kindOffset: number;
  private readonly o: Record<keyof typeof HEADER_MEMBERS, number>;
  private readonly commSize: number;
  /** The last comm decoded: most events in a burst come from the same few processes. */
  private readonly comms = new RepeatStrings(1, 16);
  /** Every member the fast path reads is naturally aligned (C lays them out so; checked, not assumed). */
  private readonly aligned: boolean;

  constructor(layouts: Layouts) {
    const bound = bindMembers(layouts, 'event_header', HEADER_MEMBERS);
    this.o = Object.fromEntries(bound.map((b) => [b.name, b.offset])) as Record<keyof typeof HEADER_MEMBERS, number>;
    this.commSize = bound.find((b) => b.name === 'comm')!.size;
    this.size = layouts.structs.event_header!.size;
    this.probeIdOffset = this.o.probe_id!;
    this.kindOffset = this.o.kind!;
    const o = this.o;
    this.aligned = [o.ts_ns, o.tgid, o.tid, o.ppid, o.uid, o.gid, o.cgroup_id, o.pidns, o.ns_tgid].every((x) => x! % 4 === 0) && o.kind! % 2 === 0;
  }

  /** The probe id of the record at `base`. */
  probeId(buf: Buffer, base: number): number {
    return buf.readUInt16LE(base + this.probeIdOffset);
  }

  /** The whole event in one object literal (one hidden class for every event). */
  event(buf: Buffer, base: number, probe: string, fields: Record<string, FieldValue>): TraceEvent {
    const V = this.aligned ? viewsFor(buf, base) : undefined;
    if (!V) return this.eventRead(buf, base, probe, fields);
    const o = this.o;
    const u32 = V.u32;
    const w = (V.off + base) >> 2;
    return {
      probe,
      ts: u32[w + (o.ts_ns! >> 2)]! + u32[w + (o.ts_ns! >> 2) + 1]! * 0x1_0000_0000,
      kind: V.u16[(w << 1) + (o.kind! >> 1)]!,
      pid: u32[w + (o.tgid! >> 2)]!,
      tid: u32[w + (o.tid! >> 2)]!,
      ppid: u32[w + (o.ppid! >> 2)]!,
      uid: u32[w + (o.uid! >> 2)]!,
      gid: u32[w + (o.gid! >> 2)]!,
      cgroup: u32[w + (o.cgroup_id! >> 2)]! + u32[w + (o.cgroup_id! >> 2) + 1]! * 0x1_0000_0000,
      pidns: u32[w + (o.pidns! >> 2)]!,
      nspid: u32[w + (o.ns_tgid! >> 2)]!,
      comm: this.commAt(buf, base + o.comm!),
      fields,
    };
  }

  /** event() through the Buffer's readers: a record that is not 4-byte aligned in its buffer. */
  private eventRead(buf: Buffer, base: number, probe: string, fields: Record<string, FieldValue>): TraceEvent {
    const o = this.o;
    return {
      probe,
      ts: buf.readUInt32LE(base + o.ts_ns!) + buf.readUInt32LE(base + o.ts_ns! + 4) * 0x1_0000_0000,
      kind: buf.readUInt16LE(base + o.kind!),
      pid: buf.readUInt32LE(base + o.tgid!),
      tid: buf.readUInt32LE(base + o.tid!),
      ppid: buf.readUInt32LE(base + o.ppid!),
      uid: buf.readUInt32LE(base + o.uid!),
      gid: buf.readUInt32LE(base + o.gid!),
      cgroup: buf.readUInt32LE(base + o.cgroup_id!) + buf.readUInt32LE(base + o.cgroup_id! + 4) * 0x1_0000_0000,
      pidns: buf.readUInt32LE(base + o.pidns!),
      nspid: buf.readUInt32LE(base + o.ns_tgid!),
      comm: this.commAt(buf, base + o.comm!),
      fields,
    };
  }

  /** The comm at `start` (NUL-terminated within its array). */
  private commAt(buf: Buffer, start: number): ByteString {
    let end = start;
    const limit = start + this.commSize;
    while (end < limit && buf[end] !== 0) end++;
    return this.comms.at(0, buf, start, end);
  }
}

/** The RawRecord a decoder hands its probe: offsets into the batch, reused record to record. */
class Segments implements RawRecord {
  buf: Buffer = Buffer.alloc(0);
  members: Record<string, number | Uint8Array> = {};
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  constructor(private readonly repeats: RepeatStrings) {}
  text(i: number) {
    return this.repeats.at(i, this.buf, this.starts[i]!, this.ends[i]!);
  }
  list(i: number) {
    return splitNulAt(this.buf, this.starts[i]!, this.ends[i]!);
  }
  size(i: number) {
    return this.ends[i]! - this.starts[i]!;
  }
}

/** Decodes one probe's records: header, members, data[] segments, fields. */
export class RecordDecoder {
  private readonly bound: BoundMember[];
  private readonly readers: [string, Reader][];
  private readonly fast: FastMembers | undefined;
  private readonly segmentLens: BoundMember[];
  private readonly dataOffset: number;
  private readonly fixedSize: number;
  private readonly raw: Segments;
  /** Reused record to record: RawRecord.members is valid only during decode(). */
  private readonly members: Record<string, number | Uint8Array> = {};

  constructor(
    readonly probe: DecodeTarget,
    layouts: Layouts,
    private readonly header: HeaderDecoder,
  ) {
    const rec = probe.record;
    this.bound = bindMembers(layouts, rec.struct, rec.members);
    this.readers = this.bound.map((m) => [m.name, memberReader(m)]);
    this.fast = fastMembers(this.bound);
    const segs = rec.segments ?? [];
    this.segmentLens = this.bound.filter((m) => segs.includes(m.name));
    if (this.segmentLens.length !== segs.length)
      throw new DecodeError(`${probe.name}: segment lengths ${segs.join(',')} must be listed in record.members`);
    this.segmentLens.sort((a, b) => segs.indexOf(a.name) - segs.indexOf(b.name));
    this.dataOffset = segs.length ? memberOffset(layouts, rec.struct, 'data') : layouts.structs[rec.struct]!.size;
    this.fixedSize = segs.length ? this.dataOffset : layouts.structs[rec.struct]!.size;
    this.raw = new Segments(new RepeatStrings(segs.length));
  }

  /** Decodes the record of `len` bytes at `base` in `buf`. */
  decode(buf: Buffer, base: number, len: number): TraceEvent {
    if (len < this.fixedSize) throw new DecodeError(`${this.probe.name}: record of ${len} bytes is shorter than ${this.fixedSize}`);
    // The views reach past the Buffer into its ArrayBuffer: the record must lie inside the Buffer.
    if (base < 0 || base + len > buf.length) throw new DecodeError(`${this.probe.name}: record of ${len} bytes at ${base} runs past its buffer of ${buf.length}`);
    const members = this.members;
    const V = this.fast ? viewsFor(buf, base) : undefined;
    if (V) this.fast!(buf, base, V.off + base, V, members);
    else for (const [name, read] of this.readers) members[name] = read(buf, base);
    const raw = this.raw;
    raw.buf = buf;
    raw.members = members;
    let at = base + this.dataOffset;
    const end = base + len;
    for (let i = 0; i < this.segmentLens.length; i++) {
      const s = this.segmentLens[i]!;
      const n = members[s.name] as number;
      if (at + n > end) throw new DecodeError(`${this.probe.name}: segment ${s.name}=${n} runs past the record`);
      raw.starts[i] = at;
      raw.ends[i] = n > 0 && buf[at + n - 1] === 0 ? at + n - 1 : at + n;
      at += n;
    }
    const kind = buf.readUInt16LE(base + this.header.kindOffset);
    return this.header.event(buf, base, this.probe.name, this.probe.decode(raw, kind));
  }
}
