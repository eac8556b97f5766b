import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FramePacer, HOLD, RESERVE } from '../../../src/tui/shell/frame-pacer.js';

let now = 0;
let frames: number[] = [];
const tick = () => new Promise<void>((r) => queueMicrotask(r));
/** Moves the clock (and due timers) on by `ms`, one ms at a time. */
async function pass(ms: number) {
  for (let i = 0; i < ms; i++) {
    now++;
    vi.advanceTimersByTime(1);
    await tick();
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  now = 0;
  frames = [];
});
afterEach(() => vi.useRealTimers());

const pacer = () => new FramePacer(25, () => frames.push(now), () => now);

describe('the shell paces its frames: keys at once, events from what the keys leave', () => {
  it('shows a key at once even right after an event frame', async () => {
    const p = pacer();
    p.request(false);
    await tick();
    expect(frames).toEqual([0]);
    await pass(5);
    p.request(true);
    await tick();
    expect(frames).toEqual([0, 5]);
  });

  it('shows an Enter, its echo and the outcome at once (the reserve), then holds events back', async () => {
    const p = pacer();
    await pass(200);
    for (let i = 0; i < RESERVE + 1; i++) {
      p.request(true);
      await tick();
      await pass(1);
    }
    expect(frames).toEqual([200, 201, 202]);
    p.request(false);
    await pass(100);
    expect(frames.length).toBe(3);
    await pass(50);
    // events wait for a full budget: 3 frames at 25/s
    expect(frames.length).toBe(4);
    expect(frames[3]! - 203).toBeGreaterThanOrEqual(110);
  });

  it('makes one frame of the requests of one tick', async () => {
    const p = pacer();
    p.request(true);
    p.request(false);
    p.request(true);
    await tick();
    await pass(1);
    expect(frames).toEqual([0]);
  });

  it('while keys keep coming, shows new events only every HOLD frame intervals; once they stop, at its rate again', async () => {
    const kinds: string[] = [];
    let last = '';
    const p = new FramePacer(25, () => kinds.push(last), () => now);
    for (let ms = 0; ms < 1000; ms++) {
      if (ms % 10 === 0) {
        last = 'events';
        p.request(false);
      }
      if (ms % 60 === 0) {
        last = 'key';
        p.request(true);
      }
      await pass(1);
    }
    const during = kinds.filter((k) => k === 'events').length;
    expect(during).toBeGreaterThanOrEqual(2);
    expect(during).toBeLessThanOrEqual(Math.ceil(1000 / (HOLD * 40)) + 1);
    kinds.length = 0;
    for (let ms = 0; ms < 1000; ms++) {
      if (ms % 10 === 0) p.request(false);
      await pass(1);
    }
    expect(kinds.length).toBeGreaterThanOrEqual(20);
  });

  it('keeps a storm of events and keys within its rate plus the reserve in any second', async () => {
    const p = pacer();
    for (let ms = 0; ms < 3000; ms++) {
      if (ms % 10 === 0) p.request(false);
      if (ms % 45 === 0) p.request(true);
      await pass(1);
    }
    for (let from = 0; from < 2000; from += 100) expect(frames.filter((t) => t >= from && t < from + 1000).length).toBeLessThanOrEqual(25 + RESERVE + 1);
    // events still reach the screen between the keys
    expect(frames.length).toBeGreaterThan(60);
  });
});
