import { describe, expect, it } from 'vitest';
import { formatEventJson, formatEventLine, formatEventLineInto } from '../../src/commands/event-format.js';
import { RepeatSlot, TextChunk } from '../../src/commands/text-chunk.js';
import { TraceOutput, type TraceSink } from '../../src/commands/trace-output.js';
import type { TraceEvent } from '../../src/event/index.js';
import { execEvent, openEvent } from '../store/helpers.js';

const clock = { offsetNs: 0 };

/** Events that cover what a line can hold: repeats, escapes, non-ASCII text, invalid UTF-8, argv, an unknown probe. */
function mixedEvents(): TraceEvent[] {
  const bad = Uint8Array.from([0x2f, 0x74, 0xff, 0x1b, 0x5b, 0x32, 0x4a]);
  const base = openEvent(1, '/etc/hosts');
  return [
    base,
    { ...base },
    { ...base, ts: base.ts + 1_500_000_000 }, // another second
    openEvent(2, '/tmp/caf\u00e9/\u65e5\u672c'),
    openEvent(3, '/tmp/caf\u00e9/\u65e5\u672c'),
    openEvent(4, '/tmp/x\x1b]0;owned\x07\u202e'),
    openEvent(5, '/tmp/x\x1b]0;owned\x07\u202e'), // an escaped string repeated: its escaped bytes again
    openEvent(6, bad),
    openEvent(7, bad),
    openEvent(8, '/tmp/x\x1b]0;owned\x07\u202e', { comm: Uint8Array.from([0x62, 0x1b, 0x5b]) }),
    openEvent(9, '/etc/hosts', { comm: 'caf\u00e9\u2066' }),
    execEvent(10, ['/bin/true', 'a b', '\x1b[2J', Uint8Array.from([0xc3])]),
    execEvent(11, ['/bin/true', 'a b', '\x1b[2J', Uint8Array.from([0xc3])]),
    { ...base, probe: 'nosuchprobe' },
    { ...base, fields: { ...base.fields, ret: -2, flags: 0o1101 } },
    base,
  ];
}

/** A sink like a file's stdout: writes synchronously, copies what it is given. */
function fileSink(): TraceSink & { bytes(): Buffer; writes: number } {
  const parts: Buffer[] = [];
  return {
    writes: 0,
    writableLength: 0,
    write(b) {
      parts.push(Buffer.from(b));
      this.writes++;
      return true;
    },
    bytes: () => Buffer.concat(parts),
  };
}

describe('trace output as bytes', () => {
  it('writes the same bytes as the text lines, UTF-8 encoded, for every kind of event and every repeat', () => {
    const events = mixedEvents();
    const chunk = new TextChunk(16);
    for (const e of events) formatEventLineInto(e, clock, chunk);
    const expected = Buffer.from(events.map((e) => formatEventLine(e, clock) + '\n').join(''));
    expect(chunk.take().equals(expected)).toBe(true);
    // eslint-disable-next-line no-control-regex
    expect(expected.toString()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps every byte when a line ends exactly at the end of the chunk, or a string crosses it', () => {
    const line = Buffer.from(formatEventLine(openEvent(1, '/etc/hosts'), clock) + '\n');
    const exact = new TextChunk(line.length);
    formatEventLineInto(openEvent(1, '/etc/hosts'), clock, exact);
    formatEventLineInto(openEvent(1, '/etc/hosts'), clock, exact);
    expect(exact.take().equals(Buffer.concat([line, line]))).toBe(true);
    for (const size of [1, 2, 3, 5, 7]) {
      const c = new TextChunk(size);
      c.str('ab\u00e9c');
      c.str('\u{1f600}');
      c.uintPadStart(4294967295, 12);
      c.byte(0x0a);
      expect(c.take().toString()).toBe('ab\u00e9c\u{1f600}  4294967295\n');
    }
  });

  it('gives a repeated string its kept bytes, and a different one its own', () => {
    const slot = new RepeatSlot();
    const c = new TextChunk(4);
    for (const s of ['abc', 'abc', 'ab\u00e9', 'ab\u00e9', 'abd', '']) c.strAt(slot, s);
    expect(c.take().toString()).toBe('abcabcab\u00e9ab\u00e9abd');
  });

  it('writes one chunk per batch, and NDJSON lines with -o json', () => {
    const events = mixedEvents();
    const text = fileSink();
    const out = new TraceOutput(text, {});
    out.push(events.slice(0, 5), clock);
    out.push(events.slice(5), clock);
    expect(text.writes).toBe(2);
    expect(text.bytes().equals(Buffer.from(events.map((e) => formatEventLine(e, clock) + '\n').join('')))).toBe(true);
    const json = fileSink();
    new TraceOutput(json, { json: true }).push(events, clock);
    expect(json.bytes().toString()).toBe(events.map((e) => formatEventJson(e, clock) + '\n').join(''));
  });

  it('stops printing at --count, across batches, and counts what it printed per probe', () => {
    const sink = fileSink();
    const out = new TraceOutput(sink, { count: 5 });
    out.push([openEvent(1), openEvent(2), execEvent(3, ['x'])], clock);
    expect(out.full).toBe(false);
    out.push([openEvent(4), openEvent(5), openEvent(6)], clock);
    expect(out.full).toBe(true);
    out.push([openEvent(7)], clock);
    expect(sink.bytes().toString().trim().split('\n')).toHaveLength(5);
    expect(out.printed).toBe(5);
    expect(Object.fromEntries(out.printedBy)).toEqual({ opensnoop: 4, execsnoop: 1 });
    expect(sink.writes).toBe(2);
  });

  it('never overwrites bytes a stream still holds (a slow pipe queued them)', () => {
    const held: Buffer[] = [];
    const slow: TraceSink = { writableLength: 1, write: (b) => (held.push(b as Buffer), false) };
    const out = new TraceOutput(slow, {});
    const a = openEvent(1, '/etc/aaaa');
    const b = openEvent(2, '/etc/bbbb');
    out.push([a], clock);
    out.push([b], clock);
    expect(held.map((h) => h.toString())).toEqual([formatEventLine(a, clock) + '\n', formatEventLine(b, clock) + '\n']);
  });
});
