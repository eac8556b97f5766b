import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detailLines } from '../../src/tui/shell/detail-lines.js';
import { ProcessBook } from '../../src/session/index.js';
import { execEvent } from './fake-engine.js';

describe('the detail pane', () => {
  it('shows fields that share a prefix with three or more others on one line, so an exec stays a page', () => {
    const e = execEvent({ pid: 4242, argv: ['/tmp/x', '-c', '\x1b[2J'] });
    Object.assign(e.fields, { exe_dev: 2049, exe_ino: 1234, exe_size: 35664, exe_mtime: 1700000000, exe_mtime_nsec: 5, exe_mode: 0o100755, exe_uid: 0, exe_upper: 0, exe_writable: 1 });
    const lines = detailLines(e, { offsetNs: 0 }, new ProcessBook(mkdtempSync(join(tmpdir(), 'ebpfsh-noproc-'))), { length: 0, at: () => undefined } as never);
    const exe = lines.filter((l) => l.startsWith('exe_'));
    expect(exe).toEqual([expect.stringMatching(/^exe_\* +dev 2049 {2}ino 1234 {2}size 35664 {2}mtime 1700000000 {2}mtime_nsec 5 {2}mode \S+ {2}uid 0 {2}upper 0 {2}writable 1$/)]);
    // argv stays one word a line, escaped; fields without a crowd of siblings stay their own lines
    expect(lines.some((l) => /^ +\[2\] \\e\[2J$/.test(l))).toBe(true);
    expect(lines.some((l) => /^filename +\/tmp\/x$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('ancestry'))).toBe(true);
  });
});
