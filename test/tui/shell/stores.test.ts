import { describe, expect, it, vi } from 'vitest';
import { LOSS_CAUSES, type Attachment, type LossCause, type ProbeCounters } from '../../../src/engine/index.js';
import type { ProbeSpec } from '../../../src/probes/index.js';
import { CommandQueue } from '../../../src/tui/shell/command-queue.js';
import { EventWindow } from '../../../src/tui/shell/event-window.js';
import { EventIntake } from '../../../src/tui/shell/intake.js';
import { ProbeRates } from '../../../src/tui/shell/probe-rates.js';
import { Prompt } from '../../../src/tui/shell/prompt.js';
import { EventScroll } from '../../../src/tui/shell/scroll.js';
import { searchOlder } from '../../../src/tui/shell/search.js';
import { execEvent } from '../fake-engine.js';

const batch = (n: number, from = 0) => Array.from({ length: n }, (_, i) => execEvent({ pid: from + i }));

describe('the shell model is small stores, each usable alone', () => {
  it('intake: batches reach the window once per flush interval, what waits is bounded by the window, a pause only counts', () => {
    vi.useFakeTimers();
    try {
      const window = new EventWindow(100);
      let changes = 0;
      const intake = new EventIntake(window, 33, () => changes++);
      intake.take(batch(10));
      intake.take(batch(10, 10));
      expect(window.rows().length).toBe(0);
      vi.advanceTimersByTime(33);
      expect([window.rows().length, changes]).toEqual([20, 1]);
      // A storm of 30 batches of 10 between two flushes: no more than a window's worth waits.
      for (let i = 0; i < 30; i++) intake.take(batch(10, 1000 + i * 10));
      expect([...intake.held()].length).toBeLessThanOrEqual(20 + 100 + 10);
      intake.flush();
      expect(window.rows().at(window.rows().length - 1)!.event.pid).toBe(1299);
      intake.setPaused(true);
      intake.take(batch(5, 5000));
      vi.advanceTimersByTime(33);
      expect([intake.pausedNew, window.rows().at(window.rows().length - 1)!.event.pid]).toEqual([5, 1299]);
      intake.setPaused(false);
      expect([intake.pausedNew, window.rows().at(window.rows().length - 1)!.event.pid]).toEqual([0, 5004]);
      intake.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('scroll: follows the newest, Up selects from the newest, Down at the newest follows again, a page keeps the selection in view', () => {
    const window = new EventWindow(1000);
    window.push(batch(100));
    const scroll = new EventScroll(window);
    scroll.setPageRows(10);
    expect(scroll.view(10)).toMatchObject({ first: 90, selectedSeq: null, total: 100 });
    scroll.move(-1);
    expect(scroll.follow).toBe(false);
    expect(scroll.selectedIndex()).toBe(99);
    scroll.page(-1);
    scroll.keepInView();
    expect(scroll.selectedIndex()).toBe(90);
    // The selection went up past the page: it is the page's last row.
    expect(scroll.view(10).first).toBe(81);
    for (let i = 0; i < 9; i++) scroll.move(-1);
    scroll.keepInView();
    expect(scroll.view(10).first).toBe(81);
    scroll.move(-1);
    scroll.keepInView();
    expect(scroll.view(10).first).toBe(80);
    scroll.selectFirst();
    scroll.keepInView();
    expect(scroll.view(10)).toMatchObject({ first: 0, selectedSeq: 1 });
    for (let i = 0; i < 99; i++) scroll.move(1);
    expect(scroll.follow).toBe(true);
  });

  it('prompt: edits a line, walks the history keeping the draft, and remembers what ran', () => {
    const p = new Prompt([':attach execve', ':filter comm=vi']);
    p.open('command', 'de');
    p.type('t');
    expect(p.line).toEqual({ text: 'det', cursor: 3 });
    p.step(-1);
    expect(p.line.text).toBe('filter comm=vi');
    p.step(-1);
    expect(p.line.text).toBe('attach execve');
    p.step(1);
    p.step(1);
    expect(p.line.text).toBe('det');
    p.ctrl('w');
    expect(p.line.text).toBe('');
    p.backspace();
    expect(p.mode).toBe('events');
    p.remember('pause');
    p.open('command');
    p.step(-1);
    expect(p.line.text).toBe('pause');
    expect(p.close()).toBe('pause');
    expect(p.mode).toBe('events');
  });

  it('search: the newest match at or before a row, case-insensitive, or -1', () => {
    const window = new EventWindow(10);
    window.push(batch(5));
    const text = ['a curl', 'b', 'c CURL', 'd', 'e'];
    expect(searchOlder(window.rows(), 4, 'curl', (i) => text[i]!)).toBe(2);
    expect(searchOlder(window.rows(), 1, 'curl', (i) => text[i]!)).toBe(0);
    expect(searchOlder(window.rows(), -1, 'curl', (i) => text[i]!)).toBe(-1);
  });

  it('command queue: lines run one at a time in order, each echoed before it runs, nothing after stop', async () => {
    const log: string[] = [];
    let release!: () => void;
    const queue = new CommandQueue<string>({
      nameOf: (t) => t.split(' ')[0]!,
      starting: (t) => log.push(`start ${t}`),
      run: async (t) => {
        if (t === 'slow') await new Promise<void>((r) => (release = r));
        return `ran ${t}`;
      },
      done: (o, name) => log.push(`${o} as ${name}`),
    });
    queue.submit('slow');
    queue.submit('fast 1');
    await new Promise((r) => setTimeout(r, 5));
    expect(queue.running).toBe('slow');
    expect(log).toEqual(['start slow']);
    release();
    await vi.waitFor(() => expect(queue.running).toBe(null));
    expect(log).toEqual(['start slow', 'ran slow as slow', 'start fast 1', 'ran fast 1 as fast']);
    queue.stop();
    queue.submit('late');
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toHaveLength(4);
  });

  it('command queue: an instant command (detach) has its echo and outcome shown together, at once', async () => {
    const log: string[] = [];
    const queue = new CommandQueue<string>({
      nameOf: (t) => t,
      instant: (t) => t === 'detach',
      starting: (t) => log.push(`start ${t}`),
      run: (t) => (t === 'detach' ? `ran ${t}` : Promise.resolve(`ran ${t}`)),
      done: (o) => log.push(o),
    });
    queue.submit('detach');
    // in the same turn as the key that submitted it: one frame shows both
    expect(log).toEqual(['start detach', 'ran detach']);
    queue.submit('attach');
    for (let i = 0; i < 10; i++) await Promise.resolve();
    // the others yield first, so their echo reaches the screen before they block
    expect(log).toEqual(['start detach', 'ran detach', 'start attach']);
    await vi.waitFor(() => expect(log).toHaveLength(4));
  });

  it('probe rates: events per second between samples, losses apart from degraded deliveries, a rising loss is "moving" for a while', () => {
    const counters = (events: number, lost: number, truncated: number): ProbeCounters => ({
      probe: 'p',
      events,
      filtered: 0,
      losses: { ...(Object.fromEntries(LOSS_CAUSES.map((c) => [c, 0])) as Record<LossCause, number>), ring_full: lost, truncated },
    });
    const attachment = { probe: { name: 'p' } as ProbeSpec, filters: { clauses: [{ text: 'uid=0' }] } } as unknown as Attachment;
    const rates = new ProbeRates();
    rates.sample([counters(0, 0, 0)], 1000);
    rates.sample([counters(500, 3, 2)], 2000);
    expect(rates.status([attachment], 2000)).toEqual([{ name: 'p', filters: 'uid=0', rate: 500, lost: 3, degraded: 2, lossMoving: true }]);
    rates.sample([counters(500, 3, 2)], 8000);
    expect(rates.status([attachment], 8000)[0]).toMatchObject({ rate: 0, lossMoving: false });
  });
});
