import type { Clause, Filters, Layouts } from '../event/index.js';
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
 * Writes one probe's kernel-side filter as generation `gen`, atomically as
 * the programs see it: the value sets go in under `gen` (entries the running
 * filter never looks at), then the probe_filter entry naming `gen` replaces
 * the old one in one update, then, once no program can still be running with
 * the old entry, the other generations' sets are deleted. If any write fails,
 * the new generation is removed and the old filter stays in force.
 */
export function writeKernelFilters(
  native: NativeSession,
  layouts: Layouts,
  probeId: number,
  filters: Filters,
  opts: { active: boolean; followMask: bigint; gen: number; wasActive: boolean; instance: number },
): void {
  const kernel = new Map<string, Clause>();
  for (const c of filters.clauses) if (c.where === 'kernel') kernel.set(c.key, c);
  try {
    for (const [key, set] of Object.entries(SETS)) {
      for (const v of kernel.get(key)?.values ?? []) {
        native.mapUpdate(set.map, encodeStruct(layouts, set.struct, { probe: probeId, gen: opts.gen, ...set.encode(v) }), ONE);
      }
    }
    const mode = (key: SetKey) => {
      const c = kernel.get(key);
      return c ? (c.negate ? FILTER_EXCLUDE : FILTER_INCLUDE) : 0;
    };
    const pf = encodeStruct(layouts, 'probe_filter', {
      active: opts.active ? 1 : 0,
      instance: opts.instance,
      uid_mode: mode('uid'),
      gid_mode: mode('gid'),
      pid_mode: mode('pid'),
      comm_mode: mode('comm'),
      cgroup_mode: mode('cgroup'),
      follow_mask: opts.followMask,
      gen: opts.gen,
    });
    native.mapUpdate(MAPS.probeFilters, u32(probeId), pf);
  } catch (e) {
    removeSets(native, layouts, probeId, (gen) => gen === opts.gen);
    throw e;
  }
  // A program that read an inactive entry returned at once, touching no set:
  // only replacing an active filter needs the grace period (~12 ms here).
  if (opts.wasActive) waitForPrograms(native);
  removeSets(native, layouts, probeId, (gen) => gen !== opts.gen);
}

/** Turns a probe off in the kernel (nothing more is emitted) and clears its sets. */
export function clearKernelFilters(native: NativeSession, layouts: Layouts, probeId: number): void {
  turnOffKernelFilter(native, layouts, probeId);
  waitForPrograms(native);
  removeSets(native, layouts, probeId, () => true);
}

/**
 * Turns a probe off in the kernel: programs that read the entry from now on
 * emit nothing (its sets stay). Only `active` changes, written in place: a
 * program reads the entry as it was or turned off, and no swap waits on the
 * kernel (a detach of a whole profile turns off ~20 probes).
 */
export function turnOffKernelFilter(native: NativeSession, layouts: Layouts, probeId: number): void {
  const key = u32(probeId);
  const entry = native.mapLookup(MAPS.probeFilters, key);
  if (!entry) return;
  const off = Buffer.from(entry);
  off[layouts.structs.probe_filter!.members.active!.offset] = 0;
  native.mapUpdateInPlace(MAPS.probeFilters, key, off);
}

/**
 * Deletes a turned-off probe's value sets of generations up to `upTo` (the
 * one in force when it was turned off), but never `keep` (a re-attach's).
 * Only once no program can still hold the old entry (after the grace period
 * an unload waits out).
 */
export function removeStaleSets(native: NativeSession, layouts: Layouts, probeId: number, upTo: number, keep: number | undefined): void {
  removeSets(native, layouts, probeId, (gen) => gen <= upTo && gen !== keep);
}

/**
 * Waits out programs that may still hold the replaced probe_filter entry.
 * Where the kernel refuses membarrier (nohz_full), a program run lasts
 * microseconds: 50 ms is far past any of them.
 */
function waitForPrograms(native: NativeSession): void {
  try {
    native.waitForPrograms();
  } catch {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function removeSets(native: NativeSession, layouts: Layouts, probeId: number, drop: (gen: number) => boolean): void {
  for (const set of Object.values(SETS)) {
    for (const k of native.mapKeys(set.map)) {
      if (readU32(layouts, set.struct, 'probe', k) === probeId && drop(readU32(layouts, set.struct, 'gen', k))) native.mapDelete(set.map, k);
    }
  }
}

/** A u32 map key. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
