import { describe, expect, it } from 'vitest';
import { barLines, fit, tableLines } from '../../../src/tui/dashboard/panel-text.js';

const tagEscape = (s: string) => s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));

describe('dashboard panel text', () => {
  it('cuts cells before colouring so a colour tag is never split', () => {
    const lines = tableLines(['n', 'path'], [['12', { text: '/a/very/long/path', color: 'red' }]], [4, 8], tagEscape);
    expect(lines[1]).toBe('  12 {red-fg}/a/very…{/red-fg}');
  });

  it('escapes blessed tags in traced data after cutting', () => {
    expect(tableLines(['c'], [['{red-fg}x']], [20], tagEscape)[1]).toBe('{open}red-fg{close}x');
  });

  it('cuts labels on a narrow panel so the bar and the number stay', () => {
    const [line] = barLines([['cloudsdk(1000)', 1500]], 14, (x) => x);
    expect([...line!].length).toBeLessThanOrEqual(14);
    expect(line).toMatch(/^clou.*… █+ 1500$/);
  });

  it('scales bars to the largest value', () => {
    const [a, b] = barLines([['big', 100], ['small', 10]], 30, (s) => s);
    expect(a).toBe('big   ' + '█'.repeat(20) + ' 100');
    expect(b).toBe('small ' + '██'.padEnd(20) + '  10');
  });

  it('pads and truncates by code point', () => {
    expect(fit('ééé', 5)).toBe('ééé  ');
    expect(fit('abcdef', 4)).toBe('abc…');
  });
});

describe('the top-processes title', () => {
  it('names the ranking and the key that switches it, dropping the probe key before the mode when narrow', async () => {
    const { processesTitle } = await import('../../../src/tui/dashboard/dashboard-view.js');
    expect(processesTitle('parent', 'all', 80)).toBe(' top processes [all] by cmd+parent (g: per pid, p: probe) ');
    expect(processesTitle('pid', 'all', 80)).toBe(' top processes [all] per pid (g: by cmd+parent, p: probe) ');
    expect(processesTitle('parent', 'all', 45)).toBe(' processes [all] by cmd+parent (g: per pid) ');
    expect(processesTitle('parent', 'all', 39)).toBe(' [all] by cmd+parent (g: per pid) '); // the 100-column minimum
    expect(processesTitle('pid', 'opensnoop', 20)).toMatch(/per pid \(g\)/);
    expect(processesTitle('parent', '{bold}\x1b[2J', 80)).not.toMatch(/\x1b|\{bold\}/);
  });
});
