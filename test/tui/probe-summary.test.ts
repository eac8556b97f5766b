import { describe, expect, it } from 'vitest';
import { LIST_EACH_UP_TO, groupNotApplyingText, probeLabel, summarizeProbes, type ProbeLine } from '../../src/tui/shell/probe-summary.js';
import type { ProbeStatus } from '../../src/tui/shell/probe-rates.js';

const p = (name: string, rate: number, o: Partial<ProbeStatus> = {}): ProbeStatus => ({ name, filters: '', rate, lost: 0, degraded: 0, lossMoving: false, ...o });

describe('the status line with many probes', () => {
  it('lists each probe while there are few', () => {
    const few = Array.from({ length: LIST_EACH_UP_TO }, (_, i) => p(`p${i}`, i));
    expect(summarizeProbes(few)).toEqual({ group: null, listed: few, background: [] });
  });

  it("lists the program's own probes apart, never in the sum nor counted among the user's", () => {
    const bg = p('procsnoop', 112, { background: true } as Partial<ProbeLine>);
    const few = summarizeProbes([p('execsnoop', 1), bg]);
    expect(few.listed.map((x) => x.name)).toEqual(['execsnoop']);
    expect(few.background).toEqual([bg]);
    const many = summarizeProbes([...Array.from({ length: 6 }, (_, i) => p(`p${i}`, 1)), bg]);
    expect(many.group!.count).toBe(6);
    expect(many.group!.rate).toBe(6);
    expect(many.background).toEqual([bg]);
    expect(probeLabel(bg)).toBe('procsnoop (for the capture)');
  });

  it('counts in the sum how many probes each not-applying key skips, and labels a listed probe with it', () => {
    const path = (name: string, has: boolean): ProbeLine => ({ ...p(name, 1, { filters: 'path=/tmp/' }), notApplying: has ? [] : ['path'] });
    const s = summarizeProbes([path('execsnoop', true), path('opensnoop', true), path('tcpconnect', false), path('dup', false), path('bind', false)]);
    expect(s.group!.notApplying).toEqual([{ key: 'path', count: 3 }]);
    expect(groupNotApplyingText(s.group!.notApplying)).toBe('path n/a to 3');
    expect(probeLabel(path('tcpconnect', false))).toBe('tcpconnect (path n/a)');
  });

  it('sums up a profile: count, common filters, total rate and the three busiest', () => {
    const many = [p('execsnoop', 300, { filters: 'uid=0' }), p('dup', 99, { filters: 'uid=0' }), p('accept', 33, { filters: 'uid=0' }), p('bind', 1, { filters: 'uid=0' }), p('chmod', 0, { filters: 'uid=0' })];
    const s = summarizeProbes(many);
    expect(s.group).toMatchObject({ count: 5, filters: 'uid=0', rate: 433 });
    expect(s.group!.busiest.map((x) => x.name)).toEqual(['execsnoop', 'dup', 'accept']);
    expect(s.listed).toEqual([]);
  });

  it('never hides a loss, a degraded delivery or a probe with filters of its own in the sum', () => {
    const many = [p('a', 1), p('b', 1), p('c', 1), p('d', 1, { lost: 3 }), p('e', 1, { degraded: 2 }), p('execsnoop', 5, { filters: 'uid=1000' })];
    const s = summarizeProbes(many);
    expect(s.listed.map((x) => x.name)).toEqual(['d', 'e', 'execsnoop']);
    expect(s.group!.busiest.map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(s.group!.count).toBe(6);
  });
});
