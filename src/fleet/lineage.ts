/** One process row as lineage needs it (values as the capture holds them). */
export interface LineageProcess {
  pid: unknown;
  start_ticks: unknown;
  parent_pid: unknown;
  parent_start_ticks: unknown;
  comm: unknown;
  exe: unknown;
  argv: unknown;
  uid: unknown;
}

/** Deepest ancestor followed, as in the local `lineage` view. */
export const MAX_LINEAGE_DEPTH = 64;

const key = (pid: unknown, ticks: unknown) => `${String(pid)}/${String(ticks)}`;

/**
 * The rows of the local `lineage` view (docs/capture-format.md), computed
 * here because ClickHouse has no recursive queries: each process lifetime
 * and each of its ancestors, nearest first; the walk ends where the parent
 * is unknown, and at depth 64 (a capture may hold a parent loop).
 */
export function lineageRows(processes: readonly LineageProcess[]): Record<string, unknown>[] {
  const byKey = new Map<string, LineageProcess>();
  for (const p of processes) byKey.set(key(p.pid, p.start_ticks), p);
  const out: Record<string, unknown>[] = [];
  for (const p of processes) {
    let anc: { pid: unknown; ticks: unknown } = { pid: p.pid, ticks: p.start_ticks };
    for (let depth = 0; depth <= MAX_LINEAGE_DEPTH; depth++) {
      const a = byKey.get(key(anc.pid, anc.ticks));
      out.push({
        id: out.length + 1, pid: p.pid, start_ticks: p.start_ticks, depth, ancestor_pid: anc.pid, ancestor_start_ticks: anc.ticks,
        ancestor_comm: a?.comm ?? null, ancestor_exe: a?.exe ?? null, ancestor_argv: a?.argv ?? null, ancestor_uid: a?.uid ?? null,
      });
      if (!a || a.parent_pid === null || a.parent_pid === undefined) break;
      anc = { pid: a.parent_pid, ticks: a.parent_start_ticks };
    }
  }
  return out;
}
