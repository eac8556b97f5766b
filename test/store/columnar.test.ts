import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ByteString, TraceEvent } from '../../src/event/index.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { RowEncoder } from '../../src/store/writer/row-encoder.js';
import { PROBES } from '../../src/probes/index.js';
import { execEvent, openEvent, tempDir } from './helpers.js';

const bad = (i: number): Uint8Array => Uint8Array.from([0x2f, 0x78, 0xff, i & 0xff, 0xc3]);

/**
 * The writer's columnar fast path (string dictionary, lean statements without
 * the NULL raw twins, k rows per statement and single-row tails) must store
 * exactly what the events held, wherever the odd values fall.
 */
describe('columnar writer path', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());

  it('stores every value exactly: raw bytes in full chunks and tails, NULLs, repeated and unique strings', async () => {
    const path = join(t.dir, 'c.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 't', reserveBytes: 0, batchRows: 700 });
    await rec.whenReady();
    const sent: TraceEvent[] = [];
    // Batches of odd sizes so chunks of k rows and single-row tails both occur, across several flushes.
    for (let b = 0; b < 9; b++) {
      const events: TraceEvent[] = [];
      for (let j = 0; j < 157 + b * 61; j++) {
        const i = sent.length + events.length;
        let path: ByteString = i % 3 ? `/srv/app/${i % 5}` : `/unique/${i}/\u00e9\u{1F600}'"`;
        const over: Partial<TraceEvent> = {};
        if (i % 97 === 0) path = bad(i); // raw in the path column
        if (i % 89 === 0) over.comm = bad(i + 1); // raw in the header text column
        if (i % 151 === 0) path = ''; // empty string is not NULL
        const e = openEvent(i, path, over);
        if (i % 83 === 0) e.fields.raw_path = null; // NULL text
        if (i % 79 === 0) e.fields.mode = null; // NULL int
        if (i % 71 === 0) e.fields.flags = -2147483648;
        if (i % 67 === 0) e.fields.ret = -13;
        events.push(e);
      }
      sent.push(...events);
      rec.record(events);
      await new Promise((r) => setTimeout(r, 5));
    }
    const execs = [execEvent(100_000, ['sh', '-c', Uint8Array.from([0x80, 0x41]), '']), execEvent(100_001, ['ls', '-l']), execEvent(100_002, [])];
    rec.record(execs);
    const res = await rec.stop('test');
    expect(res.rows).toBe(sent.length + execs.length);
    expect(res.dropped).toBe(0);

    const r = CaptureReader.open(path);
    const got = [...r.events({ probes: ['opensnoop'] })];
    expect(got.length).toBe(sent.length);
    const norm = (e: TraceEvent) => ({ ...e, fields: { ...e.fields } });
    for (let i = 0; i < sent.length; i++) expect(norm(got[i]!)).toEqual(norm(sent[i]!));
    const ex = [...r.events({ probes: ['execsnoop'] })];
    expect(ex.map((e) => e.fields.argv)).toEqual(execs.map((e) => e.fields.argv));
    r.close();

    // Raw twins are NULL exactly where the text was valid UTF-8.
    const db = new Database(path, { readonly: true });
    const raws = db.prepare('SELECT count(*) FROM open WHERE path_raw IS NOT NULL').pluck().get();
    expect(raws).toBe(sent.filter((e) => e.fields.path instanceof Uint8Array).length);
    expect(db.prepare('SELECT typeof(mode) FROM open WHERE id = 1').pluck().get()).toBe('null'); // i = 0: mode NULL
    expect(db.prepare('SELECT typeof(ts), typeof(path), typeof(flags) FROM open WHERE id = 2').raw().get()).toEqual(['integer', 'text', 'integer']);
    db.close();
  });

  it('the encoder gives column-ordered values with raw twins', () => {
    const enc = new RowEncoder(PROBES.find((p) => p.name === 'opensnoop')!);
    const out: unknown[] = [];
    enc.encode(openEvent(1, bad(1)), out);
    expect(out.length).toBe(enc.columns.length);
    const at = (name: string) => out[enc.columns.findIndex((c) => c.name === name)];
    expect(at('path')).toBe('/x\ufffd\u0001\ufffd');
    expect(Buffer.from(at('path_raw') as Uint8Array)).toEqual(Buffer.from(bad(1)));
    expect(at('comm_raw')).toBeNull();
    expect(at('comm')).toBe('bench');
    expect(at('dfd')).toBe(-100);
  });
});
