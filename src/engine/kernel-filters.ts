import type { Clause, Filters, Layouts } from '../probes/index.js';
import { FILTER_EXCLUDE, FILTER_INCLUDE, MAPS } from './maps.js';
import type { NativeSession } from './native.js';
import { encodeStruct, readU32 } from './struct-encoder.js';

type SetKey = 'uid' | 'gid' | 'pid' | 'comm' | 'cgroup';

const SETS: Record<SetKey, { map: string; struct: string; encode(v: unknown): Record<string, number | Uint8Array> }> = {
  uid: { map: MAPS.uid, struct: 'filter_u32_key', encode: (v) => ({ value: v as number }) },
  gid: { map: MAPS.gid, struct: 'filter_u32_key', encode: (v) => ({ value: v as number }) },
  pid: { map: MAPS.pid, struct: 'filter_u32_key', encode: (v) => ({ value: v as number }) },
  comm: { map: MAPS.comm, struct: 'filter_comm_key', encode: (v) => ({ comm: Buffer.from(v as string) }) },
  cgroup: { map: MAPS.cgroup, struct: 'filter_u64_key', encode: (v) => ({ value: v as number }) },
};

const ONE = Buffer.from([1]);

/**
 * Writes one probe's kernel-side filter: the value sets first, then the
 * probe_filter entry that turns them on, then removes stale set entries.
 * Changing filters this way needs no reload.
 */
export function writeKernelFilters(
  native: NativeSession,
  layouts: Layouts,
  probeId: number,
  filters: Filters,
  opts: { active: boolean; followMask: bigint },
): void {
  const kernel = new Map<string, Clause>();
  for (const c of filters.clauses) if (c.where === 'kernel') kernel.set(c.key, c);
  const wanted = new Map<string, Set<string>>();
  for (const [key, set] of Object.entries(SETS)) {
    const keep = new Set<string>();
    for (const v of kernel.get(key)?.values ?? []) {
      const k = encodeStruct(layouts, set.struct, { probe: probeId, ...set.encode(v) });
      native.mapUpdate(set.map, k, ONE);
      keep.add(k.toString('hex'));
    }
    wanted.set(key, keep);
  }
  const mode = (key: SetKey) => {
    const c = kernel.get(key);
    return c ? (c.negate ? FILTER_EXCLUDE : FILTER_INCLUDE) : 0;
  };
  const pf = encodeStruct(layouts, 'probe_filter', {
    active: opts.active ? 1 : 0,
    uid_mode: mode('uid'),
    gid_mode: mode('gid'),
    pid_mode: mode('pid'),
    comm_mode: mode('comm'),
    cgroup_mode: mode('cgroup'),
    follow_mask: opts.followMask,
  });
  native.mapUpdate(MAPS.probeFilters, u32(probeId), pf);
  for (const [key, set] of Object.entries(SETS)) removeStale(native, layouts, set.map, set.struct, probeId, wanted.get(key)!);
}

/** Turns a probe off in the kernel (nothing more is emitted) and clears its sets. */
export function clearKernelFilters(native: NativeSession, layouts: Layouts, probeId: number): void {
  native.mapUpdate(MAPS.probeFilters, u32(probeId), encodeStruct(layouts, 'probe_filter', {}));
  for (const set of Object.values(SETS)) removeStale(native, layouts, set.map, set.struct, probeId, new Set());
}

function removeStale(native: NativeSession, layouts: Layouts, map: string, struct: string, probeId: number, keep: Set<string>) {
  for (const k of native.mapKeys(map)) {
    if (readU32(layouts, struct, 'probe', k) === probeId && !keep.has(k.toString('hex'))) native.mapDelete(map, k);
  }
}

/** A u32 map key. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
