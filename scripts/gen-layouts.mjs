#!/usr/bin/env node
// Derive from the BTF of the compiled BPF objects what userspace must agree
// with, so the C stays the single source of truth:
// - stdout: the record layouts (struct event_header, every record struct, the
//   filter map structs) as JSON: { structs: { name: { size, members: {...} } } };
// - with --skeleton FILE: a TypeScript module of the enums the objects export
//   (bpf/lib/exports.h), their limits, and each object's programs, maps and
//   record struct (written only when its text changes, so tsc stays incremental).
// Usage: node scripts/gen-layouts.mjs [build/bpf] [--skeleton src/event/generated/skeleton.ts]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const args = process.argv.slice(2);
const skeletonAt = args.indexOf('--skeleton');
const skeletonPath = skeletonAt >= 0 ? args.splice(skeletonAt, 2)[1] : undefined;
const dir = args[0] ?? 'build/bpf';
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

// Structs the engine writes into filter maps (bpf/lib/filter.h).
const MAP_STRUCTS = new Set(['probe_filter', 'filter_u32_key', 'filter_u64_key', 'filter_comm_key']);

// A record is a struct whose first member is `struct event_header hdr`.
function isRecord(types, t) {
  const first = t.members?.[0];
  return first?.name === 'hdr' && resolve(types, first.type_id)?.name === 'event_header';
}

/**
 * What an object anchors with EXPORT_BTF (bpf/lib/exports.h): the enums its
 * exports struct holds (with those of its lib_exports), and its record.
 */
function exportsOf(types, btf, file) {
  const anchor = btf.types.find((t) => t.kind === 'VAR' && t.name === 'btf_exports');
  if (!anchor) return { enums: [], record: undefined };
  const ptr = resolve(types, anchor.type_id);
  const root = ptr?.kind === 'PTR' ? resolve(types, ptr.type_id) : undefined;
  if (root?.kind !== 'STRUCT') throw new Error(`${file}: btf_exports must point to a struct`);
  const enums = [];
  let record;
  const walk = (s) => {
    for (const m of s.members) {
      const t = resolve(types, m.type_id);
      if (t?.kind === 'ENUM') enums.push(t);
      else if (t?.kind === 'STRUCT' && m.name === 'record' && isRecord(types, t)) record = t.name;
      else if (t?.kind === 'STRUCT' && t.name === 'lib_exports') walk(t);
      else if (t?.kind === 'STRUCT' && MAP_STRUCTS.has(t.name)) continue; // laid out with the other structs
      else throw new Error(`${file}: ${s.name}.${m.name} must be an enum, the record, a filter map struct or struct lib_exports`);
    }
  };
  walk(root);
  return { enums, record };
}

/** Global functions of an object (its programs) with their ELF sections, from the symbol table. */
function programsOf(path) {
  const out = {};
  for (const line of execFileSync('llvm-objdump', ['-t', path], { encoding: 'utf8' }).split('\n')) {
    const m = /^[0-9a-f]+ g\s+F (\S+)\s+[0-9a-f]+ (\S+)$/.exec(line);
    if (m && m[1] !== '.text') out[m[2]] = m[1];
  }
  return out;
}

const enums = new Map(); // name -> [[constant, value], ...]
const objects = {}; // object -> { programs, maps, record }

for (const file of readdirSync(dir).filter((f) => f.endsWith('.bpf.o')).sort()) {
  // enum values as strings: bpftool prints them as 64-bit integers, past what a JS number holds exactly
  const text = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', join(dir, file)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const btf = JSON.parse(text.replace(/"val":\s*(-?\d+)/g, '"val":"$1"'));
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
  const exported = exportsOf(types, btf, file);
  for (const e of exported.enums) {
    // the value as C has it: the enum's width and signedness
    const bits = e.size * 8;
    const values = e.values.map((v) => [v.name, Number(e.encoding === 'SIGNED' ? BigInt.asIntN(bits, BigInt(v.val)) : BigInt.asUintN(bits, BigInt(v.val)))]);
    const prev = enums.get(e.name);
    if (prev && JSON.stringify(prev) !== JSON.stringify(values)) throw new Error(`enum ${e.name} differs between objects (${file})`);
    enums.set(e.name, values);
  }
  const maps = btf.types.find((t) => t.kind === 'DATASEC' && t.name === '.maps')?.vars.map((v) => types.get(v.type_id).name) ?? [];
  objects[basename(file, '.bpf.o')] = { programs: programsOf(join(dir, file)), maps, record: exported.record };
}
process.stdout.write(JSON.stringify({ structs }, null, 1) + '\n');

if (skeletonPath) {
  const names = Object.keys(objects);
  const shared = Object.values(objects)[0]?.maps.filter((m) => Object.values(objects).every((o) => o.maps.includes(m))) ?? [];
  const constants = new Map();
  for (const [name, values] of enums)
    for (const [c, v] of values) {
      if (constants.has(c) && constants.get(c) !== v) throw new Error(`enum constant ${c} has two values`);
      constants.set(c, v);
    }
  const json = (v) => JSON.stringify(v);
  const lines = [
    `// Generated by scripts/gen-layouts.mjs from the BTF of build/bpf/*.bpf.o (${names.join(', ')}).`,
    '// Do not edit: change bpf/ and run `bash scripts/build-bpf.sh`, which rewrites it before tsc runs.',
    '',
    '/** Every enum the objects export (bpf/lib/exports.h), by C name: its constants in declaration order. */',
    'export const ENUMS = {',
    ...[...enums].sort(([a], [b]) => a.localeCompare(b)).map(([name, values]) => `  ${name}: { ${values.map(([c, v]) => `${c}: ${v}`).join(', ')} },`),
    '} as const;',
    '',
    ...[...enums].sort(([a], [b]) => a.localeCompare(b)).flatMap(([name, values]) => values.map(([c, v]) => `/** \`${c}\` of enum ${name}. */\nexport const ${c} = ${v};`)),
    '',
    '/** The BPF objects (build/bpf/<name>.bpf.o). */',
    `export const OBJECTS = ${json(names)} as const;`,
    '',
    '/** A BPF object name. */',
    'export type ObjectName = (typeof OBJECTS)[number];',
    '',
    '/** Each object\'s programs: program name -> ELF section (its attach point). */',
    'export const PROGRAMS = {',
    ...names.map((n) => `  ${n}: ${json(objects[n].programs)},`),
    '} as const;',
    '',
    '/** Each object\'s maps, in declaration order. */',
    'export const OBJECT_MAPS = {',
    ...names.map((n) => `  ${n}: ${json(objects[n].maps)},`),
    '} as const;',
    '',
    '/** The maps every object declares (bpf/lib/): created once per session and shared by name. */',
    `export const SHARED_MAP_NAMES = { ${shared.map((m) => `${m}: ${json(m)}`).join(', ')} } as const;`,
    '',
    '/** The record struct each probe object emits (none for helper objects such as follow). */',
    'export const RECORDS = {',
    ...names.filter((n) => objects[n].record).map((n) => `  ${n}: ${json(objects[n].record)},`),
    '} as const;',
    '',
  ];
  const text = lines.join('\n');
  let old;
  try {
    old = readFileSync(skeletonPath, 'utf8');
  } catch {}
  if (old !== text) {
    mkdirSync(dirname(skeletonPath), { recursive: true });
    writeFileSync(skeletonPath + '.tmp', text);
    renameSync(skeletonPath + '.tmp', skeletonPath);
  }
}
