import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventListener, EventSource, ReaderHealth, SourceCounters } from '../../src/event/index.js';
import { parseFilters } from '../../src/event/index.js';
import { PROBES } from '../../src/probes/index.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { openEvent, tempDir } from './helpers.js';

// The recorder knows its source only as an EventSource (src/event): anything
// that delivers events, counters, reader health and a clock can be recorded,
// the live engine being one.

/** An event source that is not the engine: the test drives everything it says. */
function scriptedSource() {
  const listeners = new Set<EventListener>();
  const state = {
    counters: [{ probe: 'opensnoop', events: 0, filtered: 0, losses: { ringbuf_full: 10 } }] as SourceCounters[],
    framing: 2,
    health: { framingErrors: 0, pollErrors: 0, lastPollErrno: 0, listenerErrors: 0, lastListenerError: '' } as ReaderHealth,
  };
  const source: EventSource = {
    clock: { offsetNs: 1_700_000_000_000_000_000 - Number(process.hrtime.bigint()) },
    onEvents(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    counters: () => state.counters.map((c) => ({ ...c, losses: { ...c.losses } })),
    sessionLosses: () => ({ framing_error: state.framing }),
    readerHealth: () => state.health,
  };
  return { source, state, emit: (n: number) => listeners.forEach((l) => l(Array.from({ length: n }, (_, i) => openEvent(i)))), listeners };
}

describe('the recorder records any EventSource', () => {
  const t = tempDir('ebpfsh-source-');
  afterAll(() => t.cleanup());

  it('takes its events, its losses from the recording start on, its reader failures and its clock; unsubscribes at stop', async () => {
    const s = scriptedSource();
    const path = join(t.dir, 'src.db');
    const rec = Recorder.create(path, s.source, { toolVersion: 't', batchMs: 5, reserveBytes: 0 });
    await rec.whenReady();
    expect(s.listeners.size).toBe(1);
    const open = PROBES.find((p) => p.name === 'opensnoop')!;
    rec.journalAttach({ probe: open, filters: parseFilters([], [open]), attachPoints: ['tp/syscalls/sys_enter_openat'], missing: [] });
    s.emit(25);
    s.state.counters[0]!.losses.ringbuf_full = 14;
    s.state.framing = 3;
    s.state.health = { ...s.state.health, pollErrors: 1, lastPollErrno: 4 };
    const stop = await rec.stop('test');
    expect(s.listeners.size).toBe(0);
    expect(stop).toMatchObject({ rows: 25, dropped: 0 });
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT probe, cause, sum(count) AS n FROM losses GROUP BY probe, cause ORDER BY cause').all()).toEqual([
      { probe: null, cause: 'framing_error', n: 1 },
      { probe: 'opensnoop', cause: 'ringbuf_full', n: 4 },
    ]);
    expect(db.prepare("SELECT detail FROM journal WHERE action = 'error'").pluck().all()).toEqual(['ring buffer poll failed 1 times (last errno 4)']);
    expect(db.prepare("SELECT probe, attach_points FROM journal WHERE action = 'attach'").get()).toEqual({ probe: 'opensnoop', attach_points: '["tp/syscalls/sys_enter_openat"]' });
    db.close();
    const r = CaptureReader.open(path);
    expect(r.info().startTime.slice(0, 4)).toBe('2023');
    r.close();
  });
});
