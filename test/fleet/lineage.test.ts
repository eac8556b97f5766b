import { describe, expect, it } from 'vitest';
import { lineageRows, MAX_LINEAGE_DEPTH } from '../../src/fleet/index.js';

const proc = (pid: number, parent: number | null, comm: string) => ({ pid, start_ticks: pid * 10, parent_pid: parent, parent_start_ticks: parent === null ? null : parent * 10, comm, exe: `/bin/${comm}`, argv: `["${comm}"]`, uid: 0 });

describe('fleet lineage rows', () => {
  it('list each process and its ancestors nearest first, ending one step past the last known parent like the local view', () => {
    const rows = lineageRows([proc(1, null, 'init'), proc(50, 1, 'sshd'), proc(90, 50, 'bash'), proc(120, 77, 'orphan')]);
    const of = (pid: number) => rows.filter((r) => r.pid === pid).map((r) => [r.depth, r.ancestor_pid, r.ancestor_comm]);
    expect(of(90)).toEqual([[0, 90, 'bash'], [1, 50, 'sshd'], [2, 1, 'init']]);
    expect(of(120)).toEqual([[0, 120, 'orphan'], [1, 77, null]]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  });

  it('stop at depth 64 in a parent loop', () => {
    const rows = lineageRows([proc(2, 3, 'a'), proc(3, 2, 'b')]);
    expect(Math.max(...rows.map((r) => r.depth as number))).toBe(MAX_LINEAGE_DEPTH);
  });
});
