import { cleanup } from 'ink-testing-library';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plainStyledChars, shareInkLineCache } from '../../src/tui/ink-line-cache.js';
import { openEvent } from './fake-engine.js';
import { KEY, renderShell, settle } from './render-shell.js';

// As the shell runs: rows keyed by their place on screen, ink's line memo shared across frames.
beforeAll(async () => {
  expect(await shareInkLineCache()).toBe(true);
});
afterEach(() => cleanup());

const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => openEvent({ pid: 100 + from + i, path: `/srv/file-${from + i}` }));
/** The paths of the event rows on screen, top to bottom. */
const pathsShown = (frame: string) => [...frame.matchAll(/\/srv\/file-(\d+)/g)].map((m) => Number(m[1]));

describe('event rows drawn in place (rows keyed by position, a line memo shared across frames)', () => {
  it('shows the newest events, in order, as only new events arrive', async () => {
    const { frame, command, engine } = renderShell({ rows: 12 });
    await command('attach open');
    for (let from = 0; from < 60; from += 7) {
      engine.emit(batch(from, 7));
      await settle(40);
      const shown = pathsShown(frame());
      const newest = from + 6;
      expect(shown.at(-1)).toBe(newest);
      expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => newest - shown.length + 1 + i));
    }
  });

  it('after scrolling up, keeps the scrolled rows while new events arrive, and follows again on End', async () => {
    const { frame, command, engine, type } = renderShell({ rows: 12 });
    await command('attach open');
    engine.emit(batch(0, 30));
    await settle(40);
    await type(KEY.pageUp, KEY.up);
    const scrolled = pathsShown(frame());
    expect(scrolled.at(-1)).toBeLessThan(29);
    engine.emit(batch(30, 10));
    await settle(40);
    expect(pathsShown(frame())).toEqual(scrolled);
    expect(frame()).toContain('scrolled');
    await type(KEY.end);
    expect(pathsShown(frame()).at(-1)).toBe(39);
  });

  it('after a resize to 60 columns, rows take the narrow layout and keep updating', async () => {
    const { app, frame, command, engine } = renderShell({ rows: 12 });
    await command('attach open');
    engine.emit(batch(0, 5));
    await settle(40);
    expect(frame()).toContain('PPID');
    // the terminal narrows, as a responder dragging the window does
    Object.defineProperty(app.stdout, 'columns', { value: 60, configurable: true });
    app.stdout.emit('resize');
    await settle(40);
    expect(frame()).not.toContain('PPID');
    engine.emit(batch(5, 5));
    await settle(40);
    expect(pathsShown(frame()).at(-1)).toBe(9);
    for (const line of frame().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });
});

describe("ink's line memo shared across frames", () => {
  it('turns a printable-ASCII line into the characters ink itself would', async () => {
    const Output = ((await import(new URL('./output.js', import.meta.resolve('ink')).href)) as { default: new (o: { width: number; height: number }) => { caches: { getStyledChars(l: string): unknown } } }).default;
    // a fresh Output's own memo: ink's tokenizer, untouched
    const ink = new Output({ width: 1, height: 1 }).caches;
    for (const line of ['', ' ', '00:00:01.336 open   2994  1  0 ebbstorm  3 /tmp/x O_RDONLY', 'comm=\\x1b[31m \\u202e ~!@#$%^&*()_+{}|:"<>?`-=[];\',./']) expect(plainStyledChars(line)).toEqual(ink.getStyledChars(line));
  });
});
