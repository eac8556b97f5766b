import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { FULL_COLUMNS, TEXT_HEADER, fixedWidth, formatEventLine, headerFor } from '../../src/commands/event-format.js';
import { MIN_DETAIL, columnsFor } from '../../src/tui/shell/event-columns.js';
import { openEvent } from '../store/helpers.js';
import { until } from './render-shell.js';
import { recordTestCapture, renderReplay, type TestCapture } from './replay-capture.js';

const clock = { offsetNs: 0 };

describe('the event table gives up columns for DETAIL as the terminal narrows', () => {
  it('keeps every column on a wide terminal, exactly the text output', () => {
    expect(columnsFor(160)).toBe(FULL_COLUMNS);
    expect(columnsFor(84)).toBe(FULL_COLUMNS);
    expect(headerFor(columnsFor(160))).toBe(TEXT_HEADER);
    expect(TEXT_HEADER).toMatch(/^TIME\s+PROBE\s+PID\s+PPID\s+UID\s+COMM\s+DETAIL$/);
  });

  it('drops PPID first, then UID, before narrowing anything else', () => {
    const widths = Array.from({ length: 101 }, (_, i) => 100 - i);
    const firstWithout = (pred: (w: number) => boolean) => widths.find(pred)!;
    const noPpid = firstWithout((w) => !columnsFor(w).ppid);
    const noUid = firstWithout((w) => !columnsFor(w).uid);
    const narrower = firstWithout((w) => columnsFor(w).commWidth < 16 || columnsFor(w).probeWidth < 10 || !columnsFor(w).millis);
    expect(noPpid).toBeGreaterThan(noUid);
    expect(noUid).toBeGreaterThan(narrower);
    expect(columnsFor(noPpid)).toMatchObject({ ppid: false, uid: true, commWidth: 16, probeWidth: 10, millis: true });
  });

  it.each([60, 64, 70, 75, 80])('at %i columns DETAIL keeps its minimum, and every row lines up under the header', (w) => {
    const c = columnsFor(w);
    expect(w - fixedWidth(c)).toBeGreaterThanOrEqual(MIN_DETAIL);
    const header = headerFor(c);
    const line = formatEventLine(openEvent(1, '/etc/hostname', { comm: 'a-very-long-comm' }), clock, c);
    expect(line.indexOf('/etc/hostname')).toBeLessThan(w - 8); // the path starts on screen, with room to read it
    expect(header.indexOf('DETAIL')).toBe(fixedWidth(c));
    expect(line.slice(0, fixedWidth(c))).toMatch(/ $/);
  });

  it('at 60 columns: no PPID, no UID, a long command cut with an ellipsis, the time to the second', () => {
    const c = columnsFor(60);
    expect(headerFor(c)).toMatch(/^TIME {5}PROBE +PID COMM +DETAIL$/);
    const line = formatEventLine(openEvent(1, '/etc/hostname', { comm: 'a-very-long-comm', ppid: 4242, uid: 31337 }), clock, c);
    expect(line).toMatch(/^\d\d:\d\d:\d\d open +\d+ a-very-lo… +3 \/etc\/hostname/);
    expect(line).not.toMatch(/4242|31337/);
  });

  it('the narrowest layout still leaves DETAIL room on a 50-column terminal', () => {
    expect(50 - fixedWidth(columnsFor(50))).toBeGreaterThanOrEqual(10);
  });
});

describe('replay uses the same table layout', () => {
  let cap: TestCapture;
  beforeAll(async () => {
    cap = await recordTestCapture();
  }, 30_000);
  afterAll(() => cleanup());

  it.each([
    [60, false],
    [120, true],
  ] as const)('at %i columns (PPID and UID shown: %s), DETAIL stays on screen', async (columns, wide) => {
    const r = await renderReplay(cap.path, { columns, rows: 30, firstScreen: 100 });
    try {
      const isRow = (l: string) => /^\d\d:\d\d:\d\d(\.\d{3})? open /.test(l);
      await until(() => r.frame().split('\n').some(isRow), 5000, 'the replayed rows');
      const f = r.frame();
      const header = f.split('\n').find((l) => /^TIME\s+PROBE/.test(l))!;
      expect(header).toMatch(/\bDETAIL\b/);
      expect(/\bPPID\b/.test(header) && /\bUID\b/.test(header)).toBe(wide);
      const rows = f.split('\n').filter(isRow);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).toMatch(/ 3 \/data\/file-\d/);
    } finally {
      r.close();
    }
  });
});
