/*
 * Binding a value once for a whole multi-row INSERT. better-sqlite3 converts
 * every string it binds to UTF-8 again (and copies it), and each bound value
 * costs a native round trip; in a storm most columns of a k-row chunk hold
 * one value (the same comm, path, uid, ...). A column whose value is the
 * same in every row of a chunk is written as one named parameter (`:cN`)
 * that the statement uses in each row: SQLite binds it once, and each row
 * reads the same bound value, so the rows stored are exactly those the
 * per-row statement stores (same values, same types).
 *
 * Which columns are shared is a bit mask (bit j: lean column j; columns past
 * MAX_SHARED are never shared). A statement per mask is prepared on the
 * mask's second sighting, up to MAX_VARIANTS per table; after that a chunk
 * uses the cached mask that shares the most of its uniform columns (any
 * subset of them is correct; mask 0 is the plain statement).
 */

/** Lean columns (from the first) that may be shared: a mask stays a small integer. */
export const MAX_SHARED = 30;
/** Statements per table beyond the plain one. */
export const MAX_VARIANTS = 32;
/** Masks whose sightings are counted before the count starts over (a bound on memory). */
const MAX_SIGHTED = 4096;

/**
 * The mask of the lean columns (`plan`: [slot, index] pairs) whose value is
 * the same in rows `from`..`from + k - 1` of `ints` (`slots` numbers per
 * row; NaN, i.e. NULL, equals NaN).
 */
export function uniformMask(ints: Float64Array, slots: number, plan: number[], from: number, k: number): number {
  let mask = 0;
  const cols = Math.min(plan.length / 2, MAX_SHARED);
  const base = from * slots;
  for (let j = 0; j < cols; j++) {
    const x = base + plan[2 * j + 1]!;
    const v = ints[x]!;
    let same = true;
    if (v === v) {
      for (let r = 1, at = x + slots; r < k; r++, at += slots)
        if (ints[at] !== v) {
          same = false;
          break;
        }
    } else {
      for (let r = 1, at = x + slots; r < k; r++, at += slots) {
        const w = ints[at]!;
        if (w === w) {
          same = false;
          break;
        }
      }
    }
    if (same) mask |= 1 << j;
  }
  return mask;
}

/** The name of lean column j's shared parameter, as the object bound to the statement names it. */
export function sharedName(j: number): string {
  return `c${j}`;
}

/** A k-row INSERT (`head` ends with VALUES) of `cols` lean columns, where the columns in `mask` are one named parameter each. */
export function sharedSql(head: string, cols: number, k: number, mask: number): string {
  const row = `(${Array.from({ length: cols }, (_, j) => (j < MAX_SHARED && mask & (1 << j) ? `:${sharedName(j)}` : '?')).join(', ')})`;
  return head + Array(k).fill(row).join(', ');
}

function bits(m: number): number {
  let n = 0;
  for (; m; m &= m - 1) n++;
  return n;
}

/**
 * The statements of one table by mask: `pick(mask)` says which mask to use
 * for a chunk whose uniform columns are `mask` (the mask itself once it has
 * a statement; else the best cached subset, 0 at worst), preparing
 * statements as described above through `prepare`.
 */
export class SharedVariants<S> {
  private readonly byMask = new Map<number, S>();
  private readonly sighted = new Map<number, number>();

  constructor(
    plain: S,
    private readonly prepare: (mask: number) => S,
  ) {
    this.byMask.set(0, plain);
  }

  /** The mask to use for a chunk whose uniform columns are `mask`, and its statement. */
  pick(mask: number): [number, S] {
    const s = this.byMask.get(mask);
    if (s !== undefined) return [mask, s];
    if (this.byMask.size <= MAX_VARIANTS) {
      const seen = (this.sighted.get(mask) ?? 0) + 1;
      if (seen >= 2) {
        this.sighted.delete(mask);
        const made = this.prepare(mask);
        this.byMask.set(mask, made);
        return [mask, made];
      }
      if (this.sighted.size >= MAX_SIGHTED) this.sighted.clear();
      this.sighted.set(mask, seen);
    }
    let best = 0;
    let bestBits = 0;
    for (const m of this.byMask.keys()) {
      if ((m & ~mask) !== 0) continue;
      const b = bits(m);
      if (b > bestBits) {
        best = m;
        bestBits = b;
      }
    }
    return [best, this.byMask.get(best)!];
  }

  /** Statements held, the plain one included. */
  get size(): number {
    return this.byMask.size;
  }
}
