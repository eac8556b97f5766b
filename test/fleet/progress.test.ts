import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/commands/ship-command.js';

describe('the ship progress bar', () => {
  it('shows the share done, rows done of the total and the rate of this run', () => {
    expect(progressBar({ table: 'open', done: 500, total: 1000, sent: 300 }, 2, 10)).toBe('[█████░░░░░]  50%  500/1000 rows  150 rows/s');
  });

  it('is full and never past 100% when the total was an estimate', () => {
    expect(progressBar({ table: 'open', done: 1200, total: 1000, sent: 1200 }, 0, 4)).toBe('[████] 100%  1200/1000 rows  0 rows/s');
  });
});
