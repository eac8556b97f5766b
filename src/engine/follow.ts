import { existsSync } from 'node:fs';
import { FilterError } from '../event/index.js';
import { ProbeError, isNativeError } from './errors.js';
import { MAPS } from './maps.js';
import type { LoadOptions, NativeSession } from './native.js';
import { descendants, processParents } from '../proc/index.js';
import { u32 } from './kernel-filters.js';

const SLOTS = 64;

/**
 * follow=PID in the kernel: each followed root gets a bit; bpf/follow.bpf.c
 * passes a parent's bits to its children at fork. Existing descendants are
 * seeded from /proc after the fork hook is attached, so none slips through.
 */
export class FollowTracker {
  private objectId: number | undefined;
  private readonly slots = new Map<number, { bit: number; refs: number }>();

  constructor(
    private readonly native: NativeSession,
    private readonly objectPath: string,
    private readonly loadOptions: Omit<LoadOptions, 'programs'>,
  ) {}

  /**
   * Follows each root; returns the mask of their bits. All or nothing: if
   * one root fails (no slot left, the followed map full), the roots this
   * call took are released again, so no slot or map entry outlives the error.
   */
  acquire(roots: number[]): bigint {
    for (const r of roots) if (!existsSync(`/proc/${r}`)) throw new FilterError(`follow: no process ${r} is running`);
    this.ensureLoaded();
    let mask = 0n;
    const taken: number[] = [];
    try {
      for (const root of roots) {
        let slot = this.slots.get(root);
        if (!slot) {
          const used = new Set([...this.slots.values()].map((s) => s.bit));
          let bit = 0;
          while (used.has(bit)) bit++;
          if (bit >= SLOTS) throw new FilterError(`follow: at most ${SLOTS} followed processes at once`);
          slot = { bit, refs: 0 };
          this.slots.set(root, slot);
          slot.refs++;
          taken.push(root);
          this.seed(root, 1n << BigInt(bit));
        } else {
          slot.refs++;
          taken.push(root);
        }
        mask |= 1n << BigInt(slot.bit);
      }
    } catch (e) {
      this.release(taken);
      if (isNativeError(e)) throw new ProbeError(`cannot follow processes: ${e.message}`, e.code, e.details);
      throw e;
    }
    return mask;
  }

  /** Stops following these roots (when no probe uses them any more). */
  release(roots: number[]): void {
    let cleared = 0n;
    for (const root of roots) {
      const slot = this.slots.get(root);
      if (!slot || --slot.refs > 0) continue;
      this.slots.delete(root);
      cleared |= 1n << BigInt(slot.bit);
    }
    if (!cleared) return;
    for (const k of this.native.mapKeys(MAPS.followed)) {
      const v = this.native.mapLookup(MAPS.followed, k);
      if (!v) continue;
      const m = v.readBigUInt64LE(0) & ~cleared;
      if (m === 0n) this.native.mapDelete(MAPS.followed, k);
      else this.native.mapUpdate(MAPS.followed, k, u64(m));
    }
  }

  private seed(root: number, bit: bigint): void {
    for (const pid of descendants(root, processParents())) {
      const k = u32(pid);
      const prev = this.native.mapLookup(MAPS.followed, k);
      this.native.mapUpdate(MAPS.followed, k, u64((prev ? prev.readBigUInt64LE(0) : 0n) | bit));
    }
  }

  private ensureLoaded(): void {
    if (this.objectId !== undefined) return;
    const programs = ['follow_fork', 'follow_exit'];
    try {
      const id = this.native.load(this.objectPath, { programs, ...this.loadOptions });
      try {
        for (const p of programs) this.native.attach(id, p);
      } catch (e) {
        this.native.unload(id);
        throw e;
      }
      this.objectId = id;
    } catch (e) {
      if (isNativeError(e)) throw new ProbeError(`cannot follow processes: ${e.message}`, e.code, e.details);
      throw e;
    }
  }
}

function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}
