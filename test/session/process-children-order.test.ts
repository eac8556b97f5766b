import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessBook } from '../../src/session/index.js';
import { treeCommand } from '../../src/commands/shell/tree.js';
import type { ShellContext } from '../../src/commands/shell/types.js';
import { execEvent } from '../tui/fake-engine.js';

const dirs: string[] = [];
function procRoot(): string {
  const d = mkdtempSync(join(tmpdir(), 'ebpfsh-proc-'));
  dirs.push(d);
  return d;
}
/** A fake /proc/PID/stat: `comm`, its parent and its start in clock ticks (field 22). */
function fakeProc(root: string, pid: number, ppid: number, startTicks: number, comm: string): void {
  mkdirSync(join(root, String(pid)));
  const rest = ['S', ppid, ...Array.from({ length: 17 }, () => 0), startTicks, 0];
  writeFileSync(join(root, String(pid), 'stat'), `${pid} (${comm}) ${rest.join(' ')}\n`);
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('live :tree lists children in start order, not pid order', () => {
  it('orders children seen in events by the first event of each, across a pid wrap-around', () => {
    const book = new ProcessBook(procRoot());
    // 32000 ran first; the pid counter wrapped and 300 came later.
    book.note([execEvent({ pid: 32000, ppid: 10, comm: 'first' }), execEvent({ pid: 300, ppid: 10, comm: 'second' })]);
    expect(book.childrenOf(10, new Map())).toEqual([32000, 300]);
  });

  it('orders running children by their start in /proc', () => {
    const root = procRoot();
    fakeProc(root, 10, 1, 100, 'parent');
    fakeProc(root, 31000, 10, 200, 'older');
    fakeProc(root, 400, 10, 300, 'younger');
    const book = new ProcessBook(root);
    expect(book.childrenOf(10)).toEqual([31000, 400]);
    const ctx = { processes: book, engine: { clock: { offsetNs: 0 } } } as unknown as ShellContext;
    const out = treeCommand.run(ctx, ['10']);
    if (!out || typeof out !== 'object' || !('lines' in out)) throw new Error('tree gave no page');
    const lines = out.lines as string[];
    const kids = lines.slice(lines.indexOf('descendants:')).filter((l) => l.includes('└─ ')).map((l) => l.trim());
    expect(kids.map((l) => l.split(' ')[2])).toEqual(['older', 'younger']);
  });
});
