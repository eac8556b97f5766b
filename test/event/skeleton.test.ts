// Every ProbeSpec checked against what the built objects really hold (the
// skeleton and layouts.json, both generated from their BTF by
// scripts/gen-layouts.mjs): a misspelt program, struct or member fails here,
// in `npm test`, instead of when a responder attaches the probe. No root needed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBES, type ProbeSpec } from '../../src/probes/index.js';
import { OBJECTS, PROGRAMS, RECORDS, SHARED_MAP_NAMES, OBJECT_MAPS, MAX_PROBES, LOSS_STRIDE, ENUMS } from '../../src/event/generated/skeleton.js';

/** A member type a spec names (u8 ... bytes). */
type MemberType = ProbeSpec['record']['members'][string];

interface Member {
  offset: number;
  size: number;
  type: 'int' | 'uint' | 'char' | 'array' | 'struct';
  count?: number;
}
const layouts = JSON.parse(readFileSync(new URL('../../build/bpf/layouts.json', import.meta.url), 'utf8')) as {
  structs: Record<string, { size: number; members: Record<string, Member> }>;
};

/** The C shape a spec's member type stands for: BTF kind and size. */
const SHAPES: Record<MemberType, { types: Member['type'][]; size?: number }> = {
  u8: { types: ['uint', 'char'], size: 1 },
  u16: { types: ['uint'], size: 2 },
  u32: { types: ['uint'], size: 4 },
  u64: { types: ['uint'], size: 8 },
  i32: { types: ['int'], size: 4 },
  i64: { types: ['int'], size: 8 },
  bytes: { types: ['array'] },
};

/** `sys_{enter,exit}_open` -> sys_enter_open, sys_exit_open. */
function expand(s: string): string[] {
  const m = /\{([^{}]*)\}/.exec(s);
  if (!m) return [s];
  return m[1]!.split(',').flatMap((alt) => expand(s.slice(0, m.index) + alt + s.slice(m.index + m[0].length)));
}

/** What is wrong with `spec` against the built objects; empty when nothing. */
function problems(spec: ProbeSpec): string[] {
  const out: string[] = [];
  const programs = (PROGRAMS as Record<string, Record<string, string>>)[spec.object];
  if (!programs) return [`${spec.name}: object ${spec.object} is not built (objects: ${OBJECTS.join(', ')})`];
  for (const hook of spec.hooks) {
    if (hook.choices.length === 0) out.push(`${spec.name}/${hook.name}: no choices`);
    for (const choice of hook.choices) {
      const missing = choice.programs.filter((p) => !programs[p]);
      for (const p of missing) out.push(`${spec.name}/${hook.name}: no program ${p} in ${spec.object}.bpf.o`);
      if (missing.length) continue;
      // the attach point shown to the responder is where the programs really attach
      const sections = new Set(choice.programs.map((p) => (choice.at?.[p] ? `tracepoint/${choice.at[p]}` : programs[p]!)));
      const described = new Set(expand(choice.attach));
      if ([...sections].sort().join() !== [...described].sort().join())
        out.push(`${spec.name}/${hook.name}: attach ${choice.attach} but the programs are in ${[...sections].join(', ')}`);
    }
  }
  const record = (RECORDS as Record<string, string>)[spec.object];
  if (record !== spec.record.struct) out.push(`${spec.name}: record struct ${spec.record.struct}, but ${spec.object}.bpf.o emits ${record ?? 'none'}`);
  const struct = layouts.structs[spec.record.struct];
  if (!struct) return [...out, `${spec.name}: struct ${spec.record.struct} is not in the objects' BTF`];
  for (const [name, type] of Object.entries(spec.record.members)) {
    const m = struct.members[name];
    const want = SHAPES[type]!;
    if (!m) out.push(`${spec.name}: struct ${spec.record.struct} has no member ${name}`);
    else if (!want.types.includes(m.type) || (want.size !== undefined && want.size !== m.size))
      out.push(`${spec.name}: ${spec.record.struct}.${name} is ${m.type}/${m.size} bytes in C, ${type} in the spec`);
  }
  for (const seg of spec.record.segments ?? []) {
    const m = struct.members[seg];
    if (!m) out.push(`${spec.name}: segment length ${seg} is not a member of ${spec.record.struct}`);
    else if (m.type !== 'uint') out.push(`${spec.name}: segment length ${seg} is not an unsigned integer`);
    else if (!(seg in spec.record.members)) out.push(`${spec.name}: segment length ${seg} is not among the spec's members`);
  }
  if (spec.record.segments?.length) {
    const data = struct.members.data;
    const last = Math.max(...Object.values(struct.members).map((m) => m.offset));
    if (!data || data.type !== 'array' || data.count !== 0 || data.offset !== last)
      out.push(`${spec.name}: ${spec.record.struct} has segments but no trailing data[] array`);
  }
  return out;
}

describe('every probe spec matches the BPF objects it loads', () => {
  for (const spec of PROBES) {
    it(`${spec.name}: programs, attach points, record struct, members and segments exist as the spec says`, () => {
      expect(problems(spec)).toEqual([]);
    });
  }

  it('fails a spec with a misspelt program name in npm test, not at load', () => {
    const spec = PROBES.find((p) => p.hooks.length > 0)!;
    const [hook, ...rest] = spec.hooks;
    const [choice, ...others] = hook!.choices;
    const typo = choice!.programs[0]! + 'x';
    const wrong: ProbeSpec = { ...spec, hooks: [{ ...hook!, choices: [{ ...choice!, programs: [typo, ...choice!.programs.slice(1)] }, ...others] }, ...rest] };
    expect(problems(wrong)).toEqual([`${spec.name}/${hook!.name}: no program ${typo} in ${spec.object}.bpf.o`]);
  });

  it('fails a spec whose attach point is not where its programs attach', () => {
    const spec = PROBES.find((p) => p.name === 'execsnoop')!;
    const [hook, ...rest] = spec.hooks;
    const wrong: ProbeSpec = { ...spec, hooks: [{ ...hook!, choices: hook!.choices.map((c) => ({ ...c, attach: 'tracepoint/sched/sched_process_fork' })) }, ...rest] };
    expect(problems(wrong).join('\n')).toMatch(/attach tracepoint\/sched\/sched_process_fork but the programs are in/);
  });

  it('fails a spec whose member has the wrong size or signedness, or does not exist', () => {
    const spec = PROBES.find((p) => p.name === 'opensnoop')!;
    const wrong: ProbeSpec = { ...spec, record: { ...spec.record, members: { ...spec.record.members, ret: 'u32', flags: 'u32', nosuch: 'u16' } } };
    expect(problems(wrong)).toEqual([
      'opensnoop: open_event.ret is int/4 bytes in C, u32 in the spec',
      'opensnoop: open_event.flags is uint/8 bytes in C, u32 in the spec',
      'opensnoop: struct open_event has no member nosuch',
    ]);
  });

  it('fails a spec with a wrong record struct or segment', () => {
    const spec = PROBES.find((p) => p.name === 'opensnoop')!;
    expect(problems({ ...spec, record: { ...spec.record, struct: 'exec_event' } })[0]).toBe('opensnoop: record struct exec_event, but opensnoop.bpf.o emits open_event');
    expect(problems({ ...spec, record: { ...spec.record, segments: ['path_len', 'nosuch_len'] } })).toEqual([
      'opensnoop: segment length nosuch_len is not a member of open_event',
    ]);
  });
});

describe('the skeleton is what the objects hold', () => {
  it('has every probe object, and each emits one record (probes sharing an object share its record)', () => {
    for (const spec of PROBES) expect(OBJECTS).toContain(spec.object);
    for (const spec of PROBES) expect(spec.record.struct).toBe((RECORDS as Record<string, string>)[spec.object]);
  });

  it('names the maps every object shares, and each object declares them', () => {
    expect(Object.keys(SHARED_MAP_NAMES)).toEqual(['events', 'probe_filters', 'filter_uid', 'filter_gid', 'filter_pid', 'filter_comm', 'filter_cgroup', 'followed', 'loss_counts']);
    for (const o of OBJECTS) for (const m of Object.values(SHARED_MAP_NAMES)) expect(OBJECT_MAPS[o]).toContain(m);
  });

  it('has room for every probe and every kernel loss cause', () => {
    // probe ids are 1-based: PROBES.length must stay below MAX_PROBES
    expect(PROBES.length).toBeLessThan(MAX_PROBES);
    expect(Object.keys(ENUMS.loss_cause).length).toBeLessThanOrEqual(LOSS_STRIDE);
  });

  it('matches the built objects now: regenerating from their BTF gives the same layouts.json and skeleton, byte for byte', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-skeleton-'));
    try {
      const out = join(dir, 'skeleton.ts');
      const layoutsJson = execFileSync('node', ['scripts/gen-layouts.mjs', 'build/bpf', '--skeleton', out], { cwd: root, encoding: 'utf8' });
      expect(layoutsJson).toBe(readFileSync(join(root, 'build/bpf/layouts.json'), 'utf8'));
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(root, 'src/event/generated/skeleton.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
