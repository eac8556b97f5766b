import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { IN_RELEASE, programFile } from '../runtime/index.js';
import type { MemberType } from './types.js';

/** One member of a C struct as BTF describes it (build/bpf/layouts.json). */
export interface BtfMember {
  offset: number;
  size: number;
  type: 'int' | 'uint' | 'char' | 'array' | 'struct';
  elem?: string;
  count?: number;
}

/** A C struct layout derived from BTF. */
export interface BtfStruct {
  size: number;
  members: Record<string, BtfMember>;
}

/** All record layouts of the built objects. */
export interface Layouts {
  structs: Record<string, BtfStruct>;
}

/** Thrown when the TypeScript side expects a layout the objects do not have. */
export class LayoutError extends Error {
  override name = 'LayoutError';
}

/** Where a checkout's build puts BPF objects and layouts.json (the release carries them inside: see src/runtime). */
export const BPF_BUILD_DIR = IN_RELEASE ? 'build/bpf/' : fileURLToPath(new URL('../../build/bpf/', import.meta.url));

let cached: Layouts | undefined;

/** Loads layouts.json (generated from the objects' BTF): the program's own, or the one at `path`. */
export function loadLayouts(path?: string): Layouts {
  if (path === undefined && cached) return cached;
  let bytes: Buffer | undefined;
  try {
    bytes = path === undefined ? programFile('build/bpf/layouts.json') : readFileSync(path);
  } catch {
    bytes = undefined;
  }
  if (!bytes) throw new LayoutError(`bpf layouts not found at ${path ?? BPF_BUILD_DIR + 'layouts.json'} (build them first: npm run build)`);
  const layouts = JSON.parse(bytes.toString('utf8')) as Layouts;
  if (path === undefined) cached = layouts;
  return layouts;
}

/** A member bound to its offset, with a reader. */
export interface BoundMember {
  name: string;
  offset: number;
  type: MemberType;
  size: number;
}

function expectedShape(t: MemberType): { type: BtfMember['type'][]; size?: number } {
  switch (t) {
    case 'u8':
      return { type: ['uint', 'char'], size: 1 };
    case 'u16':
      return { type: ['uint'], size: 2 };
    case 'u32':
      return { type: ['uint'], size: 4 };
    case 'u64':
      return { type: ['uint'], size: 8 };
    case 'i32':
      return { type: ['int'], size: 4 };
    case 'i64':
      return { type: ['int'], size: 8 };
    case 'bytes':
      return { type: ['array'] };
  }
}

/**
 * Binds member names to offsets, checking each against BTF: a probe that
 * names a member the C struct lacks, or with another type, fails here.
 */
export function bindMembers(layouts: Layouts, struct: string, members: Record<string, MemberType>): BoundMember[] {
  const s = layouts.structs[struct];
  if (!s) throw new LayoutError(`struct ${struct} is not in the bpf objects (rebuild: npm run build)`);
  return Object.entries(members).map(([name, type]) => {
    const m = s.members[name];
    if (!m) throw new LayoutError(`struct ${struct} has no member ${name}`);
    const want = expectedShape(type);
    if (!want.type.includes(m.type) || (want.size !== undefined && want.size !== m.size))
      throw new LayoutError(`struct ${struct}.${name} is ${m.type}/${m.size} bytes in C, ${type} in TypeScript`);
    return { name, offset: m.offset, type, size: m.size };
  });
}

/** Offset of a member (e.g. `data`), checked. */
export function memberOffset(layouts: Layouts, struct: string, member: string): number {
  const m = layouts.structs[struct]?.members[member];
  if (!m) throw new LayoutError(`struct ${struct} has no member ${member}`);
  return m.offset;
}
