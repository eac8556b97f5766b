import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/event/index.js';
import { ACTIVITY_KEEP, ProcessBook } from '../../src/session/index.js';
import { treeCommand } from '../../src/commands/shell/tree.js';
import type { ShellContext } from '../../src/commands/shell/types.js';
import { execEvent, openEvent } from '../tui/fake-engine.js';

let ts = 5_000_000_000;
function connectEvent(pid: number, dport: number, daddr = '10.0.0.9'): TraceEvent {
  return {
    ...execEvent({ pid, ppid: 1 }),
    ts: (ts += 1000),
    probe: 'tcpconnect',
    comm: 'implant',
    fields: { ret: 0, ipver: 4, saddr: '10.0.0.1', sport: 40000, daddr, dport, latency_us: 100 },
  };
}

const emptyProc = () => mkdtempSync(join(tmpdir(), 'ebpfsh-noproc-'));
const ctxWith = (book: ProcessBook) => ({ processes: book, engine: { clock: { offsetNs: 0 } } }) as unknown as ShellContext;

describe('a process keeps its latest forensic events for :tree', () => {
  it('keeps forensic-profile events, not exec (it shapes the tree) nor the high-rate opens', () => {
    const book = new ProcessBook(emptyProc());
    book.note([execEvent({ pid: 700 }), openEvent({ pid: 700, path: '/etc/passwd' }), connectEvent(700, 4444)]);
    expect(book.get(700)!.activity!.map((e) => e.probe)).toEqual(['tcpconnect']);
  });

  it('keeps only the latest few per process, also within a storm from one process', () => {
    const book = new ProcessBook(emptyProc());
    book.note(Array.from({ length: ACTIVITY_KEEP + 5 }, (_, i) => connectEvent(701, 1000 + i)));
    const kept = book.get(701)!.activity!;
    expect(kept).toHaveLength(ACTIVITY_KEEP);
    expect(kept.at(-1)!.fields.dport).toBe(1000 + ACTIVITY_KEEP + 4);
  });

  it(':tree lists them under the process, escaped', async () => {
    const book = new ProcessBook(emptyProc());
    book.note([execEvent({ pid: 702, argv: ['/tmp/implant\x1b[2J'] }), connectEvent(702, 4444)]);
    const out = await treeCommand.run(ctxWith(book), ['702']);
    expect(out.kind).toBe('page');
    const lines = (out as { lines: string[] }).lines;
    const i = lines.findIndex((l) => l.startsWith('702 '));
    // Under the process line: its life, cwd and cgroup, then its activity.
    expect(lines.slice(i + 1, i + 3).map((l) => l.trim().split(' ')[0])).toEqual(['life', 'cwd']);
    expect(lines.find((l, j) => j > i && l.startsWith('   · '))).toMatch(/^ {3}· \d\d:\d\d:\d\d\.\d{3} connect 10\.0\.0\.1:40000 -> 10\.0\.0\.9:4444 ok/);
    expect(lines.join('\n')).not.toContain('\x1b');
  });
});
