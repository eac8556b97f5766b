import { listPids, readProcStat } from './stat.js';

/** pid -> ppid of every process now, from /proc; throws when /proc cannot be read. */
export function processParents(procRoot = '/proc'): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of listPids(procRoot)) {
    const s = readProcStat(name, procRoot); // undefined: exited while we looked
    if (s) out.set(Number(name), s.ppid);
  }
  return out;
}

/** `root` and every descendant of it among `parents`. */
export function descendants(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(pid);
  }
  const out: number[] = [];
  const todo = [root];
  const seen = new Set<number>();
  while (todo.length) {
    const p = todo.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    todo.push(...(children.get(p) ?? []));
  }
  return out;
}
