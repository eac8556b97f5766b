import type { TreeContext } from './types.js';

/** The line that says a process had more `kind` events than the tree lists. */
export function moreLines(rows: readonly unknown[], kind: string, ctx: TreeContext): string[] {
  return rows.length > ctx.perKind ? [`${ctx.indent}  … more ${kind} events (query the capture for all)`] : [];
}
