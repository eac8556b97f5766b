import type { TreeContext } from './types.js';

/** The line that says a process had more `kind` events than the tree lists. */
export function moreLines(rows: readonly unknown[], kind: string, ctx: TreeContext): string[] {
  return rows.length > ctx.perKind ? [`${ctx.indent}  … more ${kind} events (query the capture for all)`] : [];
}

/**
 * `… 37 more opens: 30 libraries, 7 other (query the capture)`: what a ranked
 * list (rows ending with their rank) left out of the lifetime's rows, per rank.
 */
export function cutLines(listed: readonly unknown[][], noun: string, names: readonly string[], ctx: TreeContext): string[] {
  if (!ctx.rankCounts) return [];
  const shown = new Map<unknown, number>();
  for (const row of listed) shown.set(row[row.length - 1], (shown.get(row[row.length - 1]) ?? 0) + 1);
  const parts: string[] = [];
  let total = 0;
  for (const [rank, count] of [...ctx.rankCounts].sort(([a], [b]) => a - b)) {
    const left = count - (shown.get(rank) ?? 0);
    if (left <= 0) continue;
    total += left;
    parts.push(`${left} ${names[rank] ?? `rank ${rank}`}`);
  }
  return total ? [`${ctx.indent}  … ${total} more ${noun}: ${parts.join(', ')} (query the capture)`] : [];
}
