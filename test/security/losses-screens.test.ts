import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { LOSS_CAUSES, type LossCause, type ProbeCounters } from '../../src/engine/index.js';
import { healthLines, lossLines, sessionLossLines, summaryLine } from '../../src/commands/trace-command.js';
import { renderShell } from '../tui/render-shell.js';

afterEach(() => cleanup());

const counters = (probe: string, events: number, losses: Partial<Record<LossCause, number>>): ProbeCounters => ({
  probe,
  events,
  filtered: 0,
  losses: { ...(Object.fromEntries(LOSS_CAUSES.map((c) => [c, 0])) as Record<LossCause, number>), ...losses },
});

// A process that makes its own strings fault (an unmapped argv page, a path it
// unmaps) must not make the analyst believe events were lost, nor hide that
// they were damaged: each event is counted once, as delivered-degraded.
describe('faulted and truncated strings are degraded deliveries, not losses, on every screen', () => {
  it('trace/record stderr: the summary counts them among the events, and the losses say none', () => {
    const c = counters('opensnoop', 10, { string_fault: 3, truncated: 1 });
    expect(summaryLine(c)).toBe('opensnoop: 10 events (4 degraded: 3 string_fault, 1 truncated), 0 filtered in userspace, losses: none');
    expect(lossLines([c], new Map())).toEqual([
      'opensnoop: 3 events delivered degraded (string_fault; 3 in all)',
      'opensnoop: 1 events delivered degraded (truncated; 1 in all)',
    ]);
    const lost = counters('opensnoop', 10, { ringbuf_full: 2, string_fault: 1 });
    expect(summaryLine(lost)).toBe('opensnoop: 10 events (1 degraded: 1 string_fault), 0 filtered in userspace, losses: 2 ringbuf_full');
  });

  it('a bad frame is reported as lost with its probe unknown', () => {
    expect(sessionLossLines({ framing_error: 2 }, {})).toEqual(['2 records lost, probe unknown (framing_error; 2 in all)']);
    expect(sessionLossLines({ framing_error: 2 }, { framing_error: 2 })).toEqual([]);
  });

  it('reader failures that lose no known event are still said on stderr', () => {
    const h = { framingErrors: 0, pollErrors: 2, lastPollErrno: 4, listenerErrors: 1, lastListenerError: 'boom' };
    expect(healthLines(h, undefined)).toEqual(['reading the ring buffer failed 2 times (last errno 4)', 'an event consumer failed 1 times (last: boom); its events are counted as listener_error']);
    expect(healthLines(h, h)).toEqual([]);
  });

  it('the live status line shows them as degraded, not lost', async () => {
    const { frame, command, engine, model } = renderShell();
    await command(':attach open');
    const c = engine.counts.get('opensnoop')!;
    c.losses.string_fault = 5;
    model.sampleCounters();
    await new Promise((r) => setTimeout(r, 40));
    let status = frame().split('\n')[0]!;
    expect(status).toContain('degraded 5');
    expect(status).not.toContain('lost');
    c.losses.queue_overflow = 2;
    model.sampleCounters();
    await new Promise((r) => setTimeout(r, 40));
    status = frame().split('\n')[0]!;
    expect(status).toContain('lost 2');
    expect(status).toContain('degraded 5');
  });
});

describe('reader failures reach the shell screen', () => {
  it('a ring buffer poll failure is a transcript line, not silence', async () => {
    const { frame, engine, model } = renderShell({ rows: 30 });
    const health = { framingErrors: 0, pollErrors: 0, lastPollErrno: 0, listenerErrors: 0, lastListenerError: '' };
    Object.assign(engine, { readerHealth: () => ({ ...health }) });
    model.sampleCounters();
    health.pollErrors = 2;
    health.lastPollErrno = 9;
    model.sampleCounters();
    await new Promise((r) => setTimeout(r, 40));
    expect(frame()).toContain('reading the ring buffer failed 2 times (last errno 9)');
  });
});
