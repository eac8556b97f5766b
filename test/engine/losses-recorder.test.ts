import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LOSS_STRIDE } from '../../src/engine/maps.js';
import { parseFilters } from '../../src/event/index.js';
import { probeId } from '../../src/probes/index.js';
import { opensnoop } from '../../src/probes/opensnoop/spec.js';
import { Recorder } from '../../src/store/index.js';
import { frame, openRecord } from '../probes/fixtures.js';
import { openEvent, tempDir } from '../store/helpers.js';
import { fakeBackend } from './fake-backend.js';

// The engine checks privileges before loading; the fake kernel needs none.
vi.mock('../../src/engine/preflight.js', () => ({ assertCanTrace: () => {}, privilegeProblem: () => null, btfProblem: () => null }));

const LOSS_KEY = (probe: number, cause: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(probe * LOSS_STRIDE + cause);
  return b;
};
/** A per-CPU u64 counter value for 2 CPUs. */
const perCpu = (a: number, b = 0) => {
  const v = Buffer.alloc(16);
  v.writeBigUInt64LE(BigInt(a), 0);
  v.writeBigUInt64LE(BigInt(b), 8);
  return v;
};

describe('a capture counts its own losses exactly', () => {
  const t = tempDir('ebpfsh-losses-');
  afterAll(() => t.cleanup());

  it('a recording started mid-session counts only the losses from its own start', async () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    const id = probeId(opensnoop);
    // Before the recording: 50 ringbuf_full and 7 queue drops.
    b.session.mapUpdate('loss_counts', LOSS_KEY(id, 0), perCpu(30, 20));
    b.session.queueDrops[id] = 7;
    const path = join(t.dir, 'mid.db');
    const rec = Recorder.create(path, engine, { toolVersion: 't', batchMs: 5, reserveBytes: 0 });
    await rec.whenReady();
    // During it: 3 more ringbuf_full.
    b.session.mapUpdate('loss_counts', LOSS_KEY(id, 0), perCpu(31, 22));
    await rec.stop('test');
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT cause, sum(count) AS n FROM losses GROUP BY cause').all();
    db.close();
    expect(rows).toEqual([{ cause: 'ringbuf_full', n: 3 }]);
    engine.close();
  });

  it('a bad frame is a loss row of no probe (framing_error)', async () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    const path = join(t.dir, 'frame.db');
    const rec = Recorder.create(path, engine, { toolVersion: 't', batchMs: 5, reserveBytes: 0 });
    await rec.whenReady();
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(3, 0);
    b.session.onBatch!(Buffer.concat([frame([openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/x'), flags: 0, mode: 0, kind: 0 })]), bad]));
    const r = await rec.stop('test');
    expect(r.rows).toBe(1);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT probe, cause, count FROM losses').all()).toEqual([{ probe: null, cause: 'framing_error', count: 1 }]);
    db.close();
    engine.close();
  });

  it('a consumer that throws is journaled, its events counted as listener_error, and the capture ends clean', async () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    const path = join(t.dir, 'listener.db');
    const rec = Recorder.create(path, engine, { toolVersion: 't', batchMs: 5, reserveBytes: 0 });
    await rec.whenReady();
    engine.onEvents(() => {
      throw new Error('boom');
    });
    b.session.onBatch!(frame([openRecord(probeId(opensnoop), { ret: 3, path: Buffer.from('/etc/x'), flags: 0, mode: 0, kind: 0 })]));
    const r = await rec.stop('test');
    expect(r.rows).toBe(1);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT cause, count FROM losses WHERE cause = 'listener_error'").all()).toEqual([{ cause: 'listener_error', count: 1 }]);
    expect(db.prepare("SELECT detail FROM journal WHERE action = 'error'").all()).toEqual([{ detail: expect.stringMatching(/consumer failed 1 times \(last: boom\)/) }]);
    expect(db.prepare('SELECT clean_stop FROM capture').get()).toEqual({ clean_stop: 1 });
    db.close();
    engine.close();
  });

  it('ring buffer poll failures are journaled as they happen, with the errno', async () => {
    const b = fakeBackend();
    const engine = new Engine({ backend: b });
    engine.attach(opensnoop, parseFilters([], [opensnoop]));
    const path = join(t.dir, 'poll.db');
    const rec = Recorder.create(path, engine, { toolVersion: 't', batchMs: 5, reserveBytes: 0 });
    await rec.whenReady();
    b.session.pollErrors = 3;
    b.session.lastPollErrno = 9;
    await rec.stop('test');
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT detail FROM journal WHERE action = 'error'").all()).toEqual([{ detail: 'ring buffer poll failed 3 times (last errno 9)' }]);
    db.close();
    engine.close();
  });

  it('after a failed writer batch, the next batch that commits is kept, not counted lost: rows + dropped = events', async () => {
    const path = join(t.dir, 'failed.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', batchMs: 1000, reserveBytes: 0 });
    await rec.whenReady();
    const priv = rec as unknown as { ops: { sql: string }[]; flush(): void };
    rec.record(Array.from({ length: 10 }, (_, i) => openEvent(i)));
    // A statement the writer rejects makes this batch fail and roll back.
    priv.ops.push({ sql: 'INSERT INTO no_such_table VALUES (1)' });
    priv.flush();
    // Sent before the failure is known: it commits.
    rec.record(Array.from({ length: 5 }, (_, i) => openEvent(100 + i)));
    priv.flush();
    const r = await new Promise<Awaited<ReturnType<typeof rec.stop>>>((resolve) => rec.onStop(resolve));
    expect(r.error?.code).toBe('WRITER');
    const db = new Database(path, { readonly: true });
    const kept = (db.prepare('SELECT count(*) AS n FROM open').get() as { n: number }).n;
    const lost = (db.prepare("SELECT coalesce(sum(count), 0) AS n FROM losses WHERE cause = 'writer'").get() as { n: number }).n;
    db.close();
    expect(kept).toBe(5);
    expect(r.rows).toBe(5);
    expect(r.dropped).toBe(10);
    expect(lost).toBe(10);
  });

  it('a writer thread that dies with batches in flight: stopping still ends, and those rows are counted lost', async () => {
    const path = join(t.dir, 'died.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', batchMs: 1000, reserveBytes: 0 });
    await rec.whenReady();
    const priv = rec as unknown as { flush(): void; worker: { terminate(): Promise<number> } };
    rec.record(Array.from({ length: 7 }, (_, i) => openEvent(i)));
    priv.flush();
    await priv.worker.terminate();
    const r = await rec.stop('test');
    expect(r.error?.message).toMatch(/not finalized: writer exited/);
    expect(r.rows + r.dropped).toBe(7);
  });

  it('events that arrive while the recorder stops are written or counted, never dropped in silence', async () => {
    const path = join(t.dir, 'late.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', batchMs: 1000, reserveBytes: 0 });
    await rec.whenReady();
    rec.record([openEvent(1)]);
    const stopping = rec.stop('test');
    rec.record([openEvent(2)]); // during stop: joins the last batch
    const r = await stopping;
    rec.record([openEvent(3)]); // after: counted
    expect(r.rows).toBe(2);
    expect(rec.stats().dropped).toBe(1);
  });
});
