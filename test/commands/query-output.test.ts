import { describe, expect, it } from 'vitest';
import { renderRows } from '../../src/commands/query-output.js';

const rows = {
  columns: ['comm', 'n', 'raw'],
  rows: [
    ['curl', 3, null],
    ['evil\x1b[2J,"x"', 12, Buffer.from([0xff, 0x1b])],
  ],
};

describe('query output', () => {
  it('aligns a table, right-aligns numbers and escapes what came from the traced system', () => {
    const t = renderRows(rows, 'table');
    expect(t).toBe(
      [
        'comm            n  raw',
        '-------------  --  ------',
        'curl            3',
        'evil\\e[2J,"x"  12  \\xff\\e',
        '',
      ].join('\n'),
    );
    // eslint-disable-next-line no-control-regex
    expect(t).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
  });

  it('cuts table lines to the terminal width', () => {
    const t = renderRows({ columns: ['path'], rows: [['/a/very/long/path/that/goes/on']] }, 'table', { width: 10 });
    expect(t.split('\n')[2]).toBe('/a/very/l…');
  });

  it('writes RFC 4180 CSV with BLOBs as base64', () => {
    expect(renderRows(rows, 'csv')).toBe('comm,n,raw\r\ncurl,3,\r\n"evil\x1b[2J,""x""",12,/xs=\r\n');
    expect(renderRows(rows, 'csv', { escapeCsv: true })).toContain('"evil\\e[2J,""x"""');
  });

  it('CSV for a file is spreadsheet-safe: text that starts like a formula (=, +, -, @, tab, CR) is prefixed with \'', () => {
    const f = { columns: ['cell', 'n'], rows: [['=HYPERLINK("http://x","y")', -2], ['+1+cmd|calc', 0], ['-rf', 1], ['@SUM(A1)', 2], ['\t=1', 3], ['/etc/passwd', 4]] };
    expect(renderRows(f, 'csv')).toBe(
      'cell,n\r\n"\'=HYPERLINK(""http://x"",""y"")",-2\r\n\'+1+cmd|calc,0\r\n\'-rf,1\r\n\'@SUM(A1),2\r\n\'\t=1,3\r\n/etc/passwd,4\r\n',
    );
    // To a terminal the cells are escaped instead (no quote added: nothing there runs formulas).
    expect(renderRows(f, 'csv', { escapeCsv: true })).toContain('\\t=1,3');
  });

  it('writes JSON and NDJSON with exact values', () => {
    const nd = renderRows(rows, 'ndjson').trim().split('\n').map((l) => JSON.parse(l));
    expect(nd[1]).toEqual({ comm: 'evil\x1b[2J,"x"', n: 12, raw: { base64: '/xs=' } });
    expect(JSON.parse(renderRows(rows, 'json'))).toHaveLength(2);
    expect(renderRows({ columns: ['a'], rows: [] }, 'json')).toBe('[]\n');
  });
});
