import { LayoutError, type Layouts } from '../event/index.js';

/** Encodes a C struct from member values, using its BTF layout (no hand-kept offsets). */
export function encodeStruct(layouts: Layouts, struct: string, values: Record<string, number | bigint | Uint8Array>): Buffer {
  const s = layouts.structs[struct];
  if (!s) throw new LayoutError(`struct ${struct} is not in the bpf objects (rebuild: npm run build)`);
  const buf = Buffer.alloc(s.size);
  for (const [name, v] of Object.entries(values)) {
    const m = s.members[name];
    if (!m) throw new LayoutError(`struct ${struct} has no member ${name}`);
    if (v instanceof Uint8Array) {
      if (v.length > m.size) throw new LayoutError(`${struct}.${name}: ${v.length} bytes do not fit in ${m.size}`);
      buf.set(v, m.offset);
      continue;
    }
    switch (m.size) {
      case 1:
        buf.writeUInt8(Number(v), m.offset);
        break;
      case 2:
        buf.writeUInt16LE(Number(v), m.offset);
        break;
      case 4:
        buf.writeUInt32LE(Number(v), m.offset);
        break;
      case 8:
        buf.writeBigUInt64LE(BigInt(v), m.offset);
        break;
      default:
        throw new LayoutError(`${struct}.${name}: cannot encode a ${m.size}-byte number`);
    }
  }
  return buf;
}

/** Reads a u32 member of an encoded struct. */
export function readU32(layouts: Layouts, struct: string, member: string, buf: Buffer): number {
  const m = layouts.structs[struct]?.members[member];
  if (!m) throw new LayoutError(`struct ${struct} has no member ${member}`);
  return buf.readUInt32LE(m.offset);
}
