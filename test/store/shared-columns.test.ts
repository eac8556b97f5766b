import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteString, TraceEvent } from '../../src/event/index.js';
import { verifyCapture } from '../../src/store/reader/verify.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { MAX_VARIANTS, SharedVariants, sharedSql, uniformMask } from '../../src/store/writer/shared-columns.js';
import { openEvent, tempDir } from './helpers.js';

// A chunk's columns with one value in every row are bound once (shared-columns.ts); the rows stored must not change.

describe('the uniform columns of a chunk', () => {
  // Two columns: plan [slot, index] pairs; 2 slots per row.
  const plan = [0, 0, 1, 1];

  it('are the columns equal in every row of the chunk, NULL equal to NULL, and only within the chunk', () => {
    const ints = Float64Array.from([5, 0, 5, 0, 5, 1, NaN, 1, NaN, 1]);
    expect(uniformMask(ints, 2, plan, 0, 2)).toBe(0b11);
    expect(uniformMask(ints, 2, plan, 0, 3)).toBe(0b01); // the string index changes in row 2
    expect(uniformMask(ints, 2, plan, 2, 2)).toBe(0b10); // 5 then NULL
    expect(uniformMask(ints, 2, plan, 3, 2)).toBe(0b11); // NULL twice
    expect(uniformMask(ints, 2, plan, 4, 1)).toBe(0b11); // one row: everything
  });

  it('are written as one named parameter each, in every row', () => {
    expect(sharedSql('INSERT INTO t (a, b, c) VALUES ', 3, 2, 0b101)).toBe('INSERT INTO t (a, b, c) VALUES (:c0, ?, :c2), (:c0, ?, :c2)');
    expect(sharedSql('H ', 2, 1, 0)).toBe('H (?, ?)');
  });

  it('get a statement on the second sighting of their mask, and past the limit the cached mask sharing the most of them', () => {
    const made: number[] = [];
    const v = new SharedVariants('plain', (m) => (made.push(m), `s${m}`));
    expect(v.pick(0b11)).toEqual([0, 'plain']);
    expect(v.pick(0b11)).toEqual([0b11, 's3']);
    expect(v.pick(0b11)).toEqual([0b11, 's3']);
    expect(made).toEqual([0b11]);
    for (let m = 4; v.size <= MAX_VARIANTS; m += 4) v.pick(m), v.pick(m);
    const size = v.size;
    expect(v.pick(0b111)).toEqual([0b11, 's3']); // a subset of its uniform columns
    expect(v.pick(0b111)).toEqual([0b11, 's3']);
    expect(v.pick(0b1000000000)).toEqual([0, 'plain']); // none cached: the plain statement
    expect(v.size).toBe(size);
  });
});

describe('recording with uniform columns bound once', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const bad = (i: number): Uint8Array => Uint8Array.from([0x2f, 0x78, 0xff, i & 0xff]);

  it('stores exactly the events sent, chained as verify recomputes, at every chunk boundary', async () => {
    const path = join(t.dir, 's.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    const sent: TraceEvent[] = [];
    // k is 32 rows per statement; 0, k-1, k, k+1, 2k, 2k+1 and more rows per batch. Every value but ts
    // depends on the row's place in its batch, so the second and third pass chunk the same masks, which
    // by then have their own statements (a mask gets one on its second sighting).
    const sizes = [0, 31, 32, 33, 64, 65, 97, 200, 1];
    for (let pass = 0; pass < 3; pass++)
      for (const size of sizes) {
        const events: TraceEvent[] = [];
        for (let j = 0; j < size; j++) {
          const i = sent.length + events.length;
          // The same path over 40 rows: across a statement boundary; then one that changes on a chunk's last row.
          let p: ByteString = `/same/${Math.floor(j / 40)}`;
          if (j % 32 === 31 && size === 200) p = `/last/${j}`;
          const over: Partial<TraceEvent> = { pid: 1000 + (j % 50), tid: 1000 + (j % 50), nspid: 1000 + (j % 50) };
          // One string in two columns: comm and path.
          if (size === 64) over.comm = p;
          if (size === 97 && j >= 32 && j < 64) p = bad(j); // a chunk with raw twins between uniform chunks
          if (size === 65 && j < 32) Object.assign(over, { ts: openEvent(i - j).ts, pid: 7, tid: 7, nspid: 7 }); // every lean column uniform in a chunk
          if (size === 65 && j >= 32) Object.assign(over, { pid: j === 63 ? 1 : 7, tid: 7, nspid: 7 }); // differs only in the chunk's last row
          const e = openEvent(i, p, over);
          if (size === 33) e.fields.mode = null; // a NULL column over a whole chunk
          if (size === 33 && j === 32) e.fields.mode = 5; // ... and in the tail
          if (size === 200 && j < 32) e.fields.raw_path = j === 0 ? null : 'x'; // NULL then text
          if (size === 200 && j >= 100) e.fields.flags = 2 ** 40 + (j & 1); // big integers, alternating
          if (size === 200 && j >= 150) e.fields.dfd = -(2 ** 52); // a big negative integer, uniform
          if (size === 200 && j >= 160 && j < 192) e.fields.syscall = null; // a NULL text column over a chunk
          events.push(e);
        }
        sent.push(...events);
        rec.record(events);
        // One batch per size: wait until the writer has it.
        while (rec.stats().queued > 0) await new Promise((r) => setTimeout(r, 2));
      }
    const res = await rec.stop('test');
    expect(res.rows).toBe(sent.length);
    expect(res.dropped).toBe(0);

    const r = CaptureReader.open(path);
    const got = [...r.events({ probes: ['opensnoop'] })];
    r.close();
    expect(got.length).toBe(sent.length);
    const norm = (e: TraceEvent) => ({ ...e, fields: { ...e.fields } });
    for (let i = 0; i < sent.length; i++) expect(norm(got[i]!)).toEqual(norm(sent[i]!));

    const db = new Database(path, { readonly: true });
    const types = db.prepare('SELECT DISTINCT typeof(ts), typeof(pid), typeof(comm), typeof(path), typeof(flags) FROM open').raw().all();
    expect(types).toEqual([['integer', 'integer', 'text', 'text', 'integer']]);
    expect(db.prepare('SELECT count(*) FROM open WHERE mode IS NULL').pluck().get()).toBe(3 * 32);
    db.close();
    const v = await verifyCapture(path);
    expect(v.problems).toEqual([]);
    expect(v.verdict).toBe('intact');
  });

  it('chains rows copied from the row before exactly: across the digest buffer\'s flushes, NULLs, huge strings and integers', async () => {
    const path = join(t.dir, 'tpl.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 0 });
    await rec.whenReady();
    const long = `/${'p'.repeat(150)}`; // ~200 bytes a row: the 256 KiB buffer flushes mid-batch, between and inside rows
    const events: TraceEvent[] = [];
    for (let i = 0; i < 5000; i++) {
      const e = openEvent(i, i === 1000 ? `/${'h'.repeat(300_000)}` : i === 1001 ? bad(1) : long, { pid: 7, tid: 7, nspid: 7 });
      if (i >= 100 && i < 200) e.fields.mode = null; // NULL in both rows
      if (i === 150) e.fields.mode = 4; // a value between NULLs
      if (i >= 2000 && i < 2100) e.fields.ret = i; // changed integers, patched
      if (i === 2050) e.fields.flags = -(2 ** 40);
      if (i === 3000) e.fields.syscall = 'openat2'; // another string for one row
      if (i === 4000) e.fields.raw_path = null; // NULL text for one row
      events.push(e);
    }
    rec.record(events);
    const res = await rec.stop('test');
    expect(res.rows).toBe(events.length);
    const r = CaptureReader.open(path);
    const got = [...r.events({ probes: ['opensnoop'] })];
    r.close();
    const norm = (e: TraceEvent) => ({ ...e, fields: { ...e.fields } });
    expect(got.map(norm)).toEqual(events.map(norm));
    const v = await verifyCapture(path);
    expect(v.problems).toEqual([]);
    expect(v.verdict).toBe('intact');
  });
});
