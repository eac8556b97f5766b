#!/usr/bin/env node
// Derive record layouts (struct event_header, every record struct, the filter
// map structs) from the
// BTF of the compiled BPF objects, so the C structs stay the single source of
// truth for bytes. Prints JSON: { structs: { name: { size, members: {...} } } }.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'build/bpf';
const structs = {};

function resolve(types, id) {
  let t = types.get(id);
  while (t && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(t.kind)) t = types.get(t.type_id);
  return t;
}

function describe(types, id) {
  const t = resolve(types, id);
  if (!t) throw new Error(`btf type ${id} not found`);
  switch (t.kind) {
    case 'INT':
      return { type: t.encoding === 'SIGNED' ? 'int' : t.name === 'char' ? 'char' : 'uint', size: t.size };
    case 'ENUM':
      return { type: 'uint', size: t.size };
    case 'ARRAY': {
      const elem = describe(types, t.type_id);
      return { type: 'array', elem: elem.type, elemSize: elem.size, count: t.nr_elems, size: elem.size * t.nr_elems };
    }
    case 'STRUCT':
      return { type: 'struct', name: t.name, size: t.size };
    case 'PTR':
      return { type: 'uint', size: 8 };
    default:
      throw new Error(`unsupported btf kind ${t.kind} in an event struct`);
  }
}

// Structs the engine writes into filter maps (bpf/common.h).
const MAP_STRUCTS = new Set(['probe_filter', 'filter_u32_key', 'filter_u64_key', 'filter_comm_key']);

// A record is a struct whose first member is `struct event_header hdr`.
function isRecord(types, t) {
  const first = t.members?.[0];
  return first?.name === 'hdr' && resolve(types, first.type_id)?.name === 'event_header';
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.bpf.o')).sort()) {
  const btf = JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', join(dir, file)], { encoding: 'utf8', maxBuffer: 1 << 28 }));
  const types = new Map(btf.types.map((t) => [t.id, t]));
  for (const t of btf.types) {
    if (t.kind !== 'STRUCT' || !(t.name === 'event_header' || MAP_STRUCTS.has(t.name) || isRecord(types, t))) continue;
    const members = {};
    for (const m of t.members) {
      if (m.bits_offset % 8 !== 0 || m.bitfield_size) throw new Error(`${t.name}.${m.name}: bitfields are not supported in events`);
      members[m.name] = { offset: m.bits_offset / 8, ...describe(types, m.type_id) };
    }
    const layout = { size: t.size, members };
    const prev = structs[t.name];
    if (prev && JSON.stringify(prev) !== JSON.stringify(layout)) throw new Error(`struct ${t.name} differs between objects (${file})`);
    structs[t.name] = layout;
  }
}
process.stdout.write(JSON.stringify({ structs }, null, 1) + '\n');
