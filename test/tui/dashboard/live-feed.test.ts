import { describe, expect, it } from 'vitest';
import { LiveDashboardFeed } from '../../../src/tui/dashboard/live-feed.js';
import { monotonicNs } from '../../../src/engine/index.js';
import { execsnoop } from '../../../src/probes/execsnoop/spec.js';
import { procsnoop } from '../../../src/probes/procsnoop/spec.js';
import { parseFilters } from '../../../src/event/index.js';
import { FakeEngine, execEvent, openEvent } from '../fake-engine.js';
import { ShellModel } from '../../../src/tui/shell/shell-model.js';

/** A fake engine whose clock maps wall time to monotonic like the real one. */
function engineWithClock(): FakeEngine {
  const e = new FakeEngine();
  (e.clock as { offsetNs: number }).offsetNs = Date.now() * 1e6 - monotonicNs();
  return e;
}

describe('live dashboard feed', () => {
  it('aggregates events as they arrive, hides background probes, and counts loss deltas (not degraded deliveries: truncated, string_fault)', () => {
    const engine = engineWithClock();
    engine.attach(execsnoop, parseFilters([], [execsnoop]));
    engine.attach(procsnoop, parseFilters([], [procsnoop]));
    const feed = new LiveDashboardFeed(engine, (p) => p === 'procsnoop');
    const now = monotonicNs();
    const before = { ...execEvent({ pid: 9, comm: 'early' }), ts: now };
    engine.emit([before]);
    feed.show([before]); // the dashboard opens: what the shell holds is ranked
    engine.emit([{ ...execEvent({ pid: 7, comm: 'curl' }), ts: now }, { ...execEvent({ pid: 7, comm: 'curl' }), ts: now }]);
    engine.emit([{ ...execEvent({ pid: 8 }), probe: 'procsnoop', ts: now }]);
    engine.counts.get('execsnoop')!.losses.ringbuf_full = 5;
    engine.counts.get('execsnoop')!.losses.truncated = 9;
    engine.counts.get('execsnoop')!.losses.string_fault = 4;
    feed.tick();
    engine.counts.get('execsnoop')!.losses.ringbuf_full = 7;
    feed.tick();
    const s = feed.model.snapshot();
    expect(s.topProcesses).toEqual([['curl(7) ← ppid 1', 2], ['early(9) ← ppid 1', 1]]);
    expect(s.totals).toEqual({ execsnoop: { events: 3, lost: 7 } });
    feed.hide();
    engine.emit([{ ...execEvent({ pid: 7, comm: 'curl' }), ts: now }]);
    expect(feed.model.snapshot().topProcesses[0]).toEqual(['curl(7) ← ppid 1', 2]); // hidden: rates only
    expect(feed.model.snapshot().totals.execsnoop!.events).toBe(4);
    expect(Object.keys(s.coverage)).toEqual(['execsnoop']);
    expect(s.coverage.execsnoop!.at(-1)).toBe(true);
    feed.dispose();
  });

  it('closes a probe’s coverage when it is detached', () => {
    const engine = engineWithClock();
    engine.attach(execsnoop, parseFilters([], [execsnoop]));
    const feed = new LiveDashboardFeed(engine);
    feed.tick();
    engine.detach(execsnoop);
    feed.tick();
    const row = feed.model.snapshot().coverage.execsnoop!;
    expect(row.at(-1)).toBe(true); // attached during the current second
    expect(row.at(-3)).toBe(false);
  });

  it('ranks every event the shell holds when it opens, including those not yet drawn (waiting for the next flush)', () => {
    const engine = engineWithClock();
    const model = new ShellModel({ engine, historyFile: null, flushMs: 60_000 });
    const feed = new LiveDashboardFeed(engine);
    const now = monotonicNs();
    engine.emit(Array.from({ length: 3 }, () => ({ ...openEvent({ pid: 5, comm: 'drawn' }), ts: now })));
    model.flush();
    engine.emit(Array.from({ length: 4 }, () => ({ ...openEvent({ pid: 6, comm: 'waiting' }), ts: now }))); // not flushed yet
    feed.show(model.heldEvents());
    feed.model.toggleGrouping(); // per pid
    expect(feed.model.snapshot().topProcesses).toEqual([['waiting(6)', 4], ['drawn(5)', 3]]);
    feed.dispose();
    model.dispose();
  });
});
