import { describe, expect, it } from 'vitest';
import type { EventSource, ReaderHealth, SourceCounters, TraceEvent } from '../../src/event/index.js';
import { PROBES, type ProcessFact } from '../../src/probes/index.js';
import { LossLedger } from '../../src/store/writer/loss-ledger.js';
import { ProcessTable } from '../../src/store/writer/process-table.js';
import { TableBuffers } from '../../src/store/writer/table-buffer.js';
import { execEvent, openEvent } from './helpers.js';

// The recorder's parts, each alone: no writer thread, no capture file.

describe('the columnar table buffers', () => {
  it('hand over each probe table once, with its rows counted and its ints buffer to transfer, then start empty', () => {
    const t = new TableBuffers();
    const opens = Array.from({ length: 1500 }, (_, i) => openEvent(i)); // past the first capacity: the buffer grows
    const execs = [execEvent(1, ['a']), execEvent(2, ['b'])];
    for (const e of opens) t.of('opensnoop')!.add(e);
    for (const e of execs) t.of('execsnoop')!.add(e);
    const taken = t.take();
    expect(Object.fromEntries(taken.byProbe)).toEqual({ opensnoop: 1500, execsnoop: 2 });
    expect(taken.ops.map((o) => o.rows)).toEqual([1500, 2]);
    expect(taken.transfer).toEqual(taken.ops.map((o) => o.ints.buffer));
    const open = taken.ops[0]!;
    expect(open.d.leanK).toMatch(/^INSERT INTO "open" /);
    // The path strings are interned once per batch.
    expect(open.strs.filter((s) => s.startsWith('/tmp/bench/file-')).length).toBe(100);
    expect(t.take().ops).toEqual([]);
  });

  it('index each row\'s strings in its own batch\'s dictionary, whatever the batch before held', () => {
    const t = new TableBuffers();
    const buf = () => t.of('opensnoop')!;
    const pathsOf = () => {
      const op = t.take().ops[0]!;
      const at = op.d.leanPlan[2 * op.d.columns.filter((c) => !c.endsWith(':BLOB')).findIndex((c) => c.startsWith('path:')) + 1]!;
      return Array.from({ length: op.rows }, (_, r) => op.strs[op.ints[r * op.d.slots + at]!]);
    };
    for (const p of ['/a', '/b', '/b']) buf().add(openEvent(0, p));
    expect(pathsOf()).toEqual(['/a', '/b', '/b']);
    // '/b' was the column's last string: the next batch starts with it, at another index in its dictionary.
    for (const p of ['/b', '/c']) buf().add(openEvent(0, p));
    expect(pathsOf()).toEqual(['/b', '/c']);
    // ... and after a discarded batch.
    for (const p of ['/c', '/a', '/b']) buf().add(openEvent(0, p));
    t.discard();
    for (const p of ['/b', '/a']) buf().add(openEvent(0, p));
    expect(pathsOf()).toEqual(['/b', '/a']);
  });

  it('take nothing of a probe this build does not know, and count what a failure discards', () => {
    const t = new TableBuffers();
    expect(t.of('no-such-probe')).toBeUndefined();
    t.of('opensnoop')!.add(openEvent(0));
    t.of('opensnoop')!.add(openEvent(1));
    expect(Object.fromEntries(t.discard())).toEqual({ opensnoop: 2 });
    expect(t.take().ops).toEqual([]);
  });
});

describe('the process table', () => {
  const table = new ProcessTable('boot-1');
  const e: TraceEvent = execEvent(0, ['x'], { pid: 42, uid: 7, comm: 'sh', ts: 5000 });

  it('is fed by exactly the probes that declare process rows', () => {
    const feeding = PROBES.filter((p) => table.factOf(p.name) !== undefined).map((p) => p.name);
    expect(feeding).toEqual(PROBES.filter((p) => p.facets?.processFact).map((p) => p.name));
    expect(feeding.length).toBeGreaterThan(0);
    expect(table.factOf('opensnoop')).toBeUndefined();
  });

  it('writes a fork, an exec, an exit and a start-less exec as the matching upsert', () => {
    const fork: ProcessFact = { kind: 'fork', startTicks: 100, parentPid: 1, parentStartTicks: 2 };
    expect(table.rowOf(e, fork)).toMatchObject({ sql: expect.stringMatching(/'fork'/), p: ['boot-1', 42, 100, 1, 2, 7, 'sh', null, 5000, 'boot-1', 1, 2] });
    const exec: ProcessFact = { kind: 'exec', startTicks: 100, parentPid: 1, parentStartTicks: 2, exe: '/bin/sh', argv: ['sh', '-c'], fullArgv: false };
    const execRow = table.rowOf(e, exec);
    expect(execRow.sql).toMatch(/DO UPDATE SET uid = excluded.uid/);
    expect(execRow.p!.slice(0, 12)).toEqual(['boot-1', 42, 100, 1, 2, 7, 'sh', null, '/bin/sh', null, '["sh","-c"]', null]);
    expect(execRow.p!.at(-1)).toBe('exec');
    const exit: ProcessFact = { kind: 'exit', startTicks: 100, parentPid: 1, parentStartTicks: 2, exitCode: 3 };
    expect(table.rowOf(e, exit).p!.slice(-3)).toEqual([5000, 3, 'exit']);
    const bare: ProcessFact = { kind: 'exec', exe: '/bin/sh', argv: ['sh'], fullArgv: true };
    expect(table.rowOf(e, bare)).toMatchObject({ sql: expect.stringMatching(/^UPDATE processes/), p: ['/bin/sh', null, '["sh"]', null, 'sh', null, 7, 'boot-1', 42] });
  });

  it('seeds a row per running process from /proc, this one included', () => {
    const rows = table.seed();
    expect(rows.some((r) => r.p![1] === process.pid && r.p!.at(-1) === 'proc')).toBe(true);
  });
});

describe('the loss ledger', () => {
  const health = (pollErrors: number, listenerErrors: number): ReaderHealth => ({ framingErrors: 0, pollErrors, lastPollErrno: 9, listenerErrors, lastListenerError: 'boom' });
  function fakeSource(): EventSource & { c: SourceCounters[]; framing: number; h: ReaderHealth } {
    return {
      clock: { offsetNs: 0 },
      c: [{ probe: 'opensnoop', events: 0, filtered: 0, losses: { ringbuf_full: 5 } }],
      framing: 1,
      h: health(1, 0),
      onEvents: () => () => undefined,
      counters() {
        return this.c.map((c) => ({ ...c, losses: { ...c.losses } }));
      },
      sessionLosses() {
        return { framing_error: this.framing };
      },
      readerHealth() {
        return this.h;
      },
    };
  }

  it('a recording started mid-session counts only the losses after its start, each once', () => {
    const src = fakeSource();
    const ledger = new LossLedger(src, 100);
    expect(ledger.poll(200, false)).toEqual([]);
    src.c[0]!.losses.ringbuf_full = 8;
    src.framing = 3;
    src.h = health(3, 1);
    const ops = ledger.poll(300, false);
    expect(ops.map((o) => o.p)).toEqual([
      ['opensnoop', 'ringbuf_full', 200, 300, 3],
      ['framing_error', 200, 300, 2],
      [300, 'ring buffer poll failed 2 times (last errno 9)'],
      [300, 'an event consumer failed 1 times (last: boom); its events are counted as listener_error'],
    ]);
    expect(ledger.poll(400, false)).toEqual([]);
  });

  it("counts the writer's own drops per probe, as disk_full once the disk is full", () => {
    const ledger = new LossLedger(undefined, 0);
    ledger.drop('opensnoop', 2);
    ledger.drop('opensnoop', 1);
    expect(ledger.poll(10, false).map((o) => o.p)).toEqual([['opensnoop', 'writer', 0, 10, 3]]);
    ledger.drop('execsnoop', 4);
    expect(ledger.poll(20, true).map((o) => o.p)).toEqual([['execsnoop', 'disk_full', 10, 20, 4]]);
    expect(ledger.poll(30, true)).toEqual([]);
  });
});
