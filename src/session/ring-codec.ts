import type { FieldValue, TraceEvent } from '../event/index.js';

// The flight ring's compact form of a decoded event: a few tagged bytes per value in large Buffers outside the
// V8 heap, so the ring's memory is counted in real bytes and the GC has no millions of objects to trace.
//
// One record: probe id (u16), field-shape id (u16), the nine header numbers, comm, then each field's value in
// the shape's key order. ts lives in the arena's index (eviction and windows read it without decoding).

const T_NULL = 0;
const T_UNDEFINED = 1;
const T_U8 = 2;
const T_U16 = 3;
const T_U32 = 4;
const T_NEG32 = 5; // a negative int32
const T_F64 = 6; // any other number, bit-exact (-0, NaN, fractions, beyond 2^32)
const T_ASCII = 7;
const T_UTF8 = 8;
const T_UTF16 = 9; // a string that is not well-formed UTF-16 (lone surrogate): UTF-8 would change it
const T_BYTES = 10; // a Uint8Array (exact bytes of invalid UTF-8)
const T_BUFFER = 11;
const T_LIST = 12;
const T_BIGINT = 13;

/** Short strings are written by a JS loop; longer ones by one native write (its call costs more than the loop). */
const SHORT_STRING = 48;

/** Writes events into a growable Buffer; `ensure` moves the record being written to a larger buffer when it does not fit. */
export class RecordWriter {
  buf: Buffer;
  off = 0;
  /** Where the record being written starts. */
  start = 0;

  constructor(
    private readonly chunkBytes: number,
    /** Gives the next buffer (at least `min` bytes) when the current one is full; the arena makes it its new chunk. */
    private readonly nextBuffer: (min: number) => Buffer = (min) => Buffer.allocUnsafeSlow(min),
  ) {
    this.buf = nextBuffer(chunkBytes);
  }

  /** Room for `n` more bytes of the current record: else a new buffer, the record so far copied to its start. */
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const sofar = this.off - this.start;
    const next = this.nextBuffer(Math.max(this.chunkBytes, 2 * (sofar + n)));
    this.buf.copy(next, 0, this.start, this.off);
    this.buf = next;
    this.start = 0;
    this.off = sofar;
  }

  u8(v: number): void {
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.buf[this.off++] = v & 0xff;
    this.buf[this.off++] = v >>> 8;
  }

  varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.off++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.off++] = v;
  }

  number(v: number): void {
    this.ensure(9);
    this.numberIn(v);
  }

  /** number() when the room is already ensured (the header's nine numbers, ensured at once). */
  numberIn(v: number): void {
    const b = this.buf;
    if (v >>> 0 === v && (v !== 0 || 1 / v > 0)) {
      if (v < 0x100) {
        b[this.off++] = T_U8;
        b[this.off++] = v;
      } else if (v < 0x10000) {
        b[this.off++] = T_U16;
        this.u16(v);
      } else {
        b[this.off++] = T_U32;
        b.writeUInt32LE(v, this.off);
        this.off += 4;
      }
    } else if (v < 0 && (v | 0) === v) {
      b[this.off++] = T_NEG32;
      b.writeInt32LE(v, this.off);
      this.off += 4;
    } else {
      b[this.off++] = T_F64;
      b.writeDoubleLE(v, this.off);
      this.off += 8;
    }
  }

  string(s: string): void {
    const n = s.length;
    this.ensure(6 + 3 * n);
    const b = this.buf;
    if (n <= SHORT_STRING) {
      const at = this.off;
      b[at] = T_ASCII;
      b[at + 1] = n; // n < 0x80: a one-byte varint
      let p = at + 2;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        this.off = p;
        return;
      }
    }
    this.stringSlow(s);
  }

  private stringSlow(s: string): void {
    const at = this.off;
    this.u8(T_ASCII);
    this.varint(s.length);
    const lenEnd = this.off;
    const written = this.buf.write(s, lenEnd, 'utf8');
    if (written === s.length) {
      this.off += written; // every code unit one byte: ASCII
      return;
    }
    this.off = at;
    if ((s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      this.u8(T_UTF8);
      this.varint(Buffer.byteLength(s, 'utf8'));
      this.off += this.buf.write(s, this.off, 'utf8');
    } else {
      this.ensure(6 + 2 * s.length);
      this.u8(T_UTF16);
      this.varint(s.length);
      for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
    }
  }

  bytes(v: Uint8Array): void {
    this.ensure(6 + v.byteLength);
    this.u8(Buffer.isBuffer(v) ? T_BUFFER : T_BYTES);
    this.varint(v.byteLength);
    this.buf.set(v, this.off);
    this.off += v.byteLength;
  }

  value(v: FieldValue | undefined | bigint): void {
    if (typeof v === 'number') this.number(v);
    else if (typeof v === 'string') this.string(v);
    else if (v === null) {
      this.ensure(1);
      this.u8(T_NULL);
    } else if (v === undefined) {
      this.ensure(1);
      this.u8(T_UNDEFINED);
    } else if (v instanceof Uint8Array) this.bytes(v);
    else if (Array.isArray(v)) {
      this.ensure(6);
      this.u8(T_LIST);
      this.varint(v.length);
      for (const x of v) this.value(x);
    } else if (typeof v === 'bigint') {
      const s = v.toString();
      this.ensure(6 + s.length);
      this.u8(T_BIGINT);
      this.varint(s.length);
      this.off += this.buf.write(s, this.off, 'latin1');
    } else throw new TypeError(`the flight ring cannot store a field of type ${typeof v}`);
  }
}

/** Reads records written by a RecordWriter. */
class RecordReader {
  buf: Buffer = Buffer.alloc(0);
  off = 0;

  u16(): number {
    const v = this.buf[this.off]! | (this.buf[this.off + 1]! << 8);
    this.off += 2;
    return v;
  }

  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.off++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  }

  value(): FieldValue {
    const b = this.buf;
    const tag = b[this.off++]!;
    switch (tag) {
      case T_U8:
        return b[this.off++]!;
      case T_U16:
        return this.u16();
      case T_U32:
        this.off += 4;
        return b.readUInt32LE(this.off - 4);
      case T_NEG32:
        this.off += 4;
        return b.readInt32LE(this.off - 4);
      case T_F64:
        this.off += 8;
        return b.readDoubleLE(this.off - 8);
      case T_ASCII:
      case T_UTF8: {
        const n = this.varint();
        const s = this.off;
        this.off += n;
        return n === 0 ? '' : b.toString(tag === T_ASCII ? 'latin1' : 'utf8', s, s + n);
      }
      case T_UTF16: {
        const n = this.varint();
        const units = new Array<number>(n);
        for (let i = 0; i < n; i++) units[i] = this.u16();
        let s = '';
        for (let i = 0; i < n; i += 8192) s += String.fromCharCode(...units.slice(i, i + 8192));
        return s;
      }
      case T_BYTES:
      case T_BUFFER: {
        const n = this.varint();
        const copy = new Uint8Array(n);
        copy.set(b.subarray(this.off, this.off + n));
        this.off += n;
        return tag === T_BUFFER ? Buffer.from(copy.buffer, 0, n) : copy;
      }
      case T_LIST: {
        const n = this.varint();
        const out: FieldValue[] = [];
        for (let i = 0; i < n; i++) out.push(this.value());
        return out as FieldValue;
      }
      case T_BIGINT: {
        const n = this.varint();
        this.off += n;
        return BigInt(b.toString('latin1', this.off - n, this.off)) as unknown as FieldValue;
      }
      case T_NULL:
        return null;
      case T_UNDEFINED:
        return undefined as unknown as FieldValue;
      default:
        throw new Error(`flight ring record damaged: value tag ${tag} at ${this.off - 1}`);
    }
  }
}

/**
 * Encodes decoded events to the ring's compact bytes and back, exactly: the
 * same probe, header numbers, comm and fields (key order too), strings with
 * their exact code units, byte strings as fresh copies of their bytes.
 */
export class EventCodec {
  private readonly probeIds = new Map<string, number>();
  private readonly probes: string[] = [];
  private readonly shapeIds = new Map<string, number>();
  private readonly shapes: string[][] = [];
  /** Per probe id: the last shape it used (checked key by key, so the common case builds no string). */
  private readonly lastShape: number[] = [];
  private readonly reader = new RecordReader();

  /** Writes `e` (all but ts) at the writer's position. */
  write(w: RecordWriter, e: TraceEvent): void {
    const probe = this.probeId(e.probe);
    const shape = this.shapeId(probe, e.fields);
    w.ensure(4 + 9 * 9);
    w.u16(probe);
    w.u16(shape);
    w.numberIn(e.kind);
    w.numberIn(e.pid);
    w.numberIn(e.tid);
    w.numberIn(e.ppid);
    w.numberIn(e.uid);
    w.numberIn(e.gid);
    w.numberIn(e.cgroup);
    w.numberIn(e.pidns);
    w.numberIn(e.nspid);
    w.value(e.comm);
    // for-in in the shape's key order (shapeId checked it): V8's enum cache makes these loads fast, a key list's are not
    const fields = e.fields;
    for (const k in fields) w.value(fields[k]);
  }

  /** The probe of the record at `off` (eviction counts per probe without decoding). */
  probeAt(buf: Buffer, off: number): string {
    return this.probes[buf[off]! | (buf[off + 1]! << 8)]!;
  }

  /** The event whose record is at `off`, with its ts from the index. */
  read(buf: Buffer, off: number, ts: number): TraceEvent {
    const r = this.reader;
    r.buf = buf;
    r.off = off;
    const probe = this.probes[r.u16()]!;
    const keys = this.shapes[r.u16()]!;
    const kind = r.value() as number;
    const pid = r.value() as number;
    const tid = r.value() as number;
    const ppid = r.value() as number;
    const uid = r.value() as number;
    const gid = r.value() as number;
    const cgroup = r.value() as number;
    const pidns = r.value() as number;
    const nspid = r.value() as number;
    const comm = r.value() as TraceEvent['comm'];
    const fields: Record<string, FieldValue> = {};
    for (const k of keys) fields[k] = r.value();
    return { probe, ts, kind, pid, tid, ppid, uid, gid, cgroup, pidns, nspid, comm, fields };
  }

  private probeId(name: string): number {
    let id = this.probeIds.get(name);
    if (id === undefined) {
      id = this.probes.length;
      if (id > 0xffff) throw new Error('the flight ring holds at most 65536 probe names');
      this.probes.push(name);
      this.probeIds.set(name, id);
      this.lastShape.push(-1);
    }
    return id;
  }

  private shapeId(probe: number, fields: Record<string, FieldValue>): number {
    const last = this.lastShape[probe]!;
    if (last >= 0) {
      const keys = this.shapes[last]!;
      let i = 0;
      let same = true;
      for (const k in fields) {
        if (keys[i] !== k) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === keys.length) return last;
    }
    const keys = Object.keys(fields);
    const key = JSON.stringify(keys);
    let id = this.shapeIds.get(key);
    if (id === undefined) {
      id = this.shapes.length;
      if (id > 0xffff) throw new Error('the flight ring holds at most 65536 field shapes');
      this.shapes.push(keys);
      this.shapeIds.set(key, id);
    }
    this.lastShape[probe] = id;
    return id;
  }
}
