import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { resolveGoto } from '../../src/session/index.js';
import type { CaptureInfo } from '../../src/store/index.js';
import { replayHeader } from '../../src/tui/replay/replay-header.js';
import { CELL, positionCell, timelineRows } from '../../src/tui/replay/timeline.js';
import { sha256 } from '../store/helpers.js';
import { KEY, settle, until } from './render-shell.js';
import { recordTestCapture, renderReplay, type TestCapture } from './replay-capture.js';

let cap: TestCapture;
let hashBefore: string;
const open: { close(): void }[] = [];

beforeAll(async () => {
  cap = await recordTestCapture();
  hashBefore = sha256(cap.path);
}, 30_000);
afterEach(() => {
  for (const r of open.splice(0)) r.close();
  cleanup();
});
afterAll(() => {
  // Every replay above read the capture; none may have changed it.
  if (cap) expect(sha256(cap.path)).toBe(hashBefore);
});

async function replay(opts: { rows?: number; firstScreen?: number } = {}) {
  const r = await renderReplay(cap.path, opts);
  open.push(r);
  return r;
}

/** Rows of the event pane that show one of the test's events. */
const eventRows = (frame: string) => frame.split('\n').filter((l) => / (exec|open)\s+5\d\d\d /.test(l));

describe('replay screen (a capture recorded by the real Recorder)', () => {
  it('shows the header before any event, the timeline with coverage and notes, and opens paused at the start', async () => {
    const { frame, source } = await replay();
    const f = frame();
    expect(f.split('\n')[0]).toMatch(/^replay .*incident\.db │ host .* │ kernel .* │ \d{4}-\d\d-\d\d [\d:.]+ -> [\d:.]+/);
    expect(replayHeader(source.info, source.span().endNs).title).toMatch(/ │ ebpfsh record -w incident\.db execsnoop,opensnoop$/);
    expect(f).toMatch(/stopped cleanly \(user\), nothing lost │ exec 10, open 90/);
    expect(f).toMatch(/❚❚ paused \(1x\) │ [\d:.]+ \(0%\)/);
    expect(eventRows(f)).toEqual([]);
    // opensnoop: attached, then detached after event 50 (a gap in coverage); notes 1 and 2 on the marks row
    const open = f.split('\n').find((l) => l.startsWith('opensnoop'))!;
    expect(open).toContain(CELL.attached);
    expect(open.trimEnd().endsWith(CELL.detached)).toBe(true);
    const exec = f.split('\n').find((l) => l.startsWith('execsnoop'))!;
    expect(exec.trimEnd().endsWith(CELL.attached.repeat(10))).toBe(true);
    // never attached and no events: not a row of its own, but named ("nothing was watched", not "nothing happened")
    expect(f.split('\n').find((l) => l.startsWith('tcpconnect'))).toBeUndefined();
    expect(f).toMatch(/not watched\s+.*tcpconnect/);
    const marks = f.split('\n').find((l) => l.startsWith('losses/notes'))!;
    expect(marks.indexOf('1')).toBeGreaterThan(0);
    expect(marks.indexOf('2')).toBeGreaterThan(marks.indexOf('1'));
    expect(source.probes).toEqual(expect.arrayContaining(['execsnoop', 'opensnoop']));
  });

  it('plays at 1x, 10x and as fast as possible by the wall clock; stops at the end', async () => {
    const { frame, source, advance, type } = await replay();
    await advance(100); // paused: nothing moves
    expect(eventRows(frame())).toEqual([]);
    await type(' ');
    expect(source.playing()).toBe(true);
    const from = source.now();
    await advance(10); // 1x: 10 ms of capture
    expect(source.now()).toBe(from + 10e6);
    const shown1 = source.shown;
    expect(shown1).toBe(cap.ts.filter((t) => t <= from + 10e6).length);
    expect(frame()).toMatch(/▶ playing 1x/);
    await type('+');
    expect(frame()).toMatch(/▶ playing 10x/);
    await advance(2); // 10x: 20 ms of capture
    expect(source.now()).toBe(from + 30e6);
    expect(source.shown).toBe(cap.ts.filter((t) => t <= from + 30e6).length);
    await type('+', '+');
    expect(source.speed()).toBe(Infinity);
    await advance(1);
    expect(source.shown).toBe(100);
    await until(() => frame().includes('■ end of capture'), 2000, 'end');
    expect(frame()).toContain('100 of 100');
    expect(eventRows(frame()).at(-1)).toContain('/data/file-99');
    await type('-');
    expect(source.speed()).toBe(100);
  });

  it('steps one event at a time with . and Right, pausing', async () => {
    const { frame, source, type } = await replay();
    await type('.');
    expect(source.now()).toBe(cap.ts[0]);
    await type('.', KEY.down.replace('B', 'C')); // Right arrow
    expect(source.now()).toBe(cap.ts[2]);
    expect(source.playing()).toBe(false);
    const rows = eventRows(frame());
    expect(rows.length).toBe(3);
    expect(rows[0]).toMatch(/exec\s+5000 .*tool-0 --flag/);
    expect(rows[2]).toContain('/data/file-2');
    await type(':step 5\r');
    expect(source.now()).toBe(cap.ts[7]);
    expect(frame()).toContain('stepped 5 events');
  });

  it(':goto a clock time, +/-, a percentage and a note; ] and [ jump between notes; the view holds the events just before', async () => {
    const { frame, source, command, type } = await replay();
    const off = source.span().offsetNs;
    const at = (i: number) => new Date(Math.floor((cap.ts[i]! + off) / 1e6));
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const d = at(40);
    await command(`goto ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`);
    // The view takes the back-filled events at its next flush, which may come after the transcript line.
    await until(() => frame().includes('at ') && eventRows(frame()).length > 5, 3000, 'goto');
    expect(Math.abs(source.now() - cap.ts[40]!)).toBeLessThan(1e6);
    const rows = eventRows(frame());
    expect(rows.length).toBeGreaterThan(5);
    // back-filled up to the position, newest at the bottom
    expect(rows.at(-1)).toMatch(/file-39|file-40|tool-40/);
    await type('.');
    expect(source.now()).toBeGreaterThanOrEqual(cap.ts[40]!);

    await command('goto note 2');
    await until(() => source.now() === cap.noteTs[1], 3000, 'note 2');
    await settle(30);
    expect(eventRows(frame()).at(-1)).toContain('tool-70'); // the note was written just after event 70
    await type('[');
    await until(() => source.now() === cap.noteTs[0], 3000, 'previous note');
    await until(() => frame().includes('note 1 at'), 3000, 'note line');
    expect(frame()).toContain('note at 30');
    await type(']');
    await until(() => source.now() === cap.noteTs[1], 3000, 'next note');

    await command('goto -20ms');
    await until(() => source.now() === cap.noteTs[1]! - 20e6, 3000, 'relative');
    await command('goto start');
    await until(() => source.now() === source.span().startNs, 3000, 'start');
    await until(() => eventRows(frame()).length === 0, 3000, 'empty view at the start');
    await command('goto 50%');
    await until(() => Math.abs(source.now() - (source.span().startNs + source.span().endNs) / 2) <= 1, 3000, '50%');

    await command('goto 99:99:99');
    await until(() => /outside the capture|not a time/.test(frame()), 3000, 'error');
    await command('goto note 9');
    await until(() => frame().includes('no note 9 (notes 1-2'), 3000, 'no such note');
  });

  it('the same :filter, detail pane with ancestry from the capture, :query, :tree and :info; live commands say they do not apply', async () => {
    const { frame, command, type, source } = await replay({ firstScreen: 100 });
    await command('filter comm=worker path=/data/file-1');
    await settle(30);
    const rows = eventRows(frame());
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => / open .* worker .*\/data\/file-1/.test(r))).toBe(true);
    expect(frame()).toMatch(/view: comm=worker path=\/data\/file-1/);
    await command('filter off');

    await type(KEY.enter);
    expect(frame()).toMatch(/opensnoop pid 5099/);
    expect(frame()).toMatch(/path\s+\/data\/file-99/);
    expect(frame()).toContain("ancestry (the capture's process table at the replay position):");
    expect(frame()).not.toContain('/proc now');
    await type(KEY.esc);

    await command('query SELECT comm, count(*) AS n FROM open GROUP BY comm');
    await until(() => frame().includes('(1 row)'), 5000, 'query');
    expect(frame()).toMatch(/worker\s+90/);
    await type('q');

    // The process table was seeded from /proc when recording: this test's own process is in it.
    await command(`tree ${process.pid}`);
    await until(() => frame().includes('ancestors:'), 5000, 'tree');
    expect(frame()).toMatch(new RegExp(`${process.pid} node`));
    await type('q');

    await command('info');
    await until(() => frame().includes('watched'), 5000, 'info');
    expect(frame()).toMatch(/detach opensnoop/);
    await type('q');

    for (const cmd of ['attach exec', 'detach exec', 'record x.db', 'stop', 'mark "x"']) {
      await command(cmd);
      await until(() => /does not apply to a capture/.test(frame()), 3000, cmd);
      expect(frame()).toMatch(new RegExp(`:${cmd.split(' ')[0]} does not apply to a capture`));
    }
    expect(source.shown).toBe(100);
    await command('quit');
    expect((await replay()).quits).toEqual([]);
  });

  it(':quit leaves; Ctrl-C asks first, and a replay key in between cancels it', async () => {
    const r = await replay();
    await r.command('quit');
    expect(r.quits).toEqual([':quit']);
    const r2 = await replay();
    await r2.type(KEY.ctrlC);
    expect(r2.quits).toEqual([]);
    expect(r2.frame()).toContain('press Ctrl-C again within 3 s (or :quit) to quit: the replay closes, the capture is unchanged');
    await r2.type('.', KEY.ctrlC);
    expect(r2.quits).toEqual([]);
    await r2.type(KEY.ctrlC);
    expect(r2.quits).toEqual(['Ctrl-C']);
  });
});

describe('replay pieces', () => {
  const info = (over: Partial<CaptureInfo>): CaptureInfo => ({
    path: 'x.db', schemaVersion: 2, toolVersion: '0.1.0', hostname: 'web1', kernelRelease: '6.1.0', bootId: 'b', clockOffsetNs: 1.7e18,
    startNs: 1e12, startTime: '', endNs: 1e12 + 60e9, endTime: '', cleanStop: true, stopReason: 'user', commandLine: ['ebpfsh', '-w', 'x.db'],
    gap: null, counts: { exec: 3 }, losses: [], snapshot: false, unfinished: null, ...over,
  });

  it('the header warns about losses and an unclean stop, escaping what came from the capture', () => {
    const h = replayHeader(info({ hostname: 'evil\x1b[2J', cleanStop: false, stopReason: null, endNs: null, gap: { startNs: 1e12 + 30e9, endNs: null },
      losses: [{ probe: 'opensnoop', cause: 'ringbuf_full', count: 1234 }, { probe: null, cause: 'recorder_died', count: null }] }), 1e12 + 30e9);
    expect(h.title).toContain('host evil\\e[2J');
    expect(h.title).not.toContain('\x1b');
    expect(h.title).toContain('end unknown');
    expect(h.warnings[0]).toMatch(/^LOSSES: 1234\+ events lost: opensnoop ringbuf_full 1234, all probes recorder_died \?/);
    expect(h.warnings[1]).toMatch(/^UNCLEAN STOP \(recorder died\): events after [\d:.]+ may be missing/);
    expect(replayHeader(info({}), 1e12 + 60e9).warnings).toEqual([]);
  });

  it('the timeline marks coverage gaps, losses, the recorder gap and notes; the position has its cell', () => {
    const d = {
      startNs: 0, endNs: 100e9, probes: ['execsnoop', 'opensnoop'],
      coverage: [{ probe: 'execsnoop', fromNs: 0, toNs: null }, { probe: 'opensnoop', fromNs: 50e9, toNs: 80e9 }],
      losses: [{ probe: 'opensnoop', cause: 'ringbuf_full', startNs: 60e9, endNs: 61e9, count: 10 }],
      notes: [{ n: 1, ts: 10e9, text: 'a' }, { n: 12, ts: 30e9, text: 'b' }],
      gap: { startNs: 90e9, endNs: null },
    };
    const [exec, open, marks] = timelineRows(d, 10);
    expect(exec!.cells).toBe(CELL.attached.repeat(10));
    expect(open!.cells).toBe(`${CELL.detached.repeat(5)}${CELL.attached.repeat(4)}${CELL.detached}`);
    expect(open!.alarm[6]).toBe(true);
    expect(marks!.cells).toBe(`${CELL.empty}1${CELL.empty}${CELL.note}${CELL.empty.repeat(2)}${CELL.loss}${CELL.empty.repeat(2)}${CELL.gap}`);
    expect(positionCell(d, 55e9, 10)).toBe(5);
    expect(positionCell(d, 100e9, 10)).toBe(9);
  });

  it(':goto targets resolve against the capture and refuse what is outside it', () => {
    const start = Date.UTC(2026, 10, 21, 14, 0, 0) * 1e6;
    const c = { now: 1e12 + 10e9, startNs: 1e12, endNs: 1e12 + 600e9, offsetNs: start - 1e12, notes: [{ n: 1, ts: 1e12 + 5e9, text: 'x' }] };
    const local = new Date(start / 1e6 + 183_250);
    const p = (n: number) => String(n).padStart(2, '0');
    // wall-clock ns exceed 2^53: a float keeps them to within a microsecond
    expect(Math.abs(resolveGoto([`${p(local.getHours())}:${p(local.getMinutes())}:${p(local.getSeconds())}.250`], c) - (1e12 + 183.25e9))).toBeLessThan(1000);
    expect(resolveGoto(['+30s'], c)).toBe(1e12 + 40e9);
    expect(resolveGoto(['-1m'], c)).toBe(1e12); // clamped to the start
    expect(resolveGoto(['+1m30s'], c)).toBe(1e12 + 100e9);
    expect(resolveGoto(['note', '1'], c)).toBe(1e12 + 5e9);
    expect(resolveGoto(['50%'], c)).toBe(1e12 + 300e9);
    expect(resolveGoto(['end'], c)).toBe(1e12 + 600e9);
    const later = new Date(start / 1e6 + 3600_000);
    expect(() => resolveGoto([`${p(later.getHours())}:${p(later.getMinutes())}:00`], c)).toThrow(/outside the capture/);
    expect(() => resolveGoto(['+3 parsecs'], c)).toThrow(/not a duration/);
    expect(() => resolveGoto(['yesterday'], c)).toThrow(/not a time/);
  });
});
