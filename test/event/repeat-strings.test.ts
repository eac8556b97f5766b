import { describe, expect, it } from 'vitest';
import { RepeatStrings } from '../../src/event/index.js';

/** `s` at byte offset `at` of a fresh batch (as a ring batch holds strings at any alignment). */
function batch(s: string | Buffer, at: number): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  const b = Buffer.alloc(at + bytes.length + 8);
  bytes.copy(b, at);
  return b;
}

// RepeatStrings gives back the string it kept when the same bytes come again;
// it compares four bytes at a time, so every length around a word boundary
// and a difference at every position must still be told apart.
describe('repeated strings in decoded batches', () => {
  const lengths = [0, 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 43, 255, 256, 257];

  it('the same bytes again, in another batch at another offset, give back the same text', () => {
    for (const n of lengths) {
      const s = 'p/'.repeat(200).slice(0, n);
      const r = new RepeatStrings(1);
      const a = r.at(0, batch(s, 3), 3, 3 + n);
      const b = r.at(0, batch(s, 6), 6, 6 + n);
      expect(a).toBe(s);
      expect(b).toBe(s);
    }
  });

  it('bytes that differ anywhere, or only in length, give the new text', () => {
    for (const n of lengths.filter((l) => l > 0)) {
      const s = 'abcdefgh'.repeat(40).slice(0, n);
      for (let pos = 0; pos < n; pos++) {
        const r = new RepeatStrings(1);
        const other = s.slice(0, pos) + 'X' + s.slice(pos + 1);
        r.at(0, batch(s, 1), 1, 1 + n);
        expect(r.at(0, batch(other, 5), 5, 5 + n)).toBe(other);
        expect(r.at(0, batch(s, 2), 2, 2 + n)).toBe(s);
      }
      const r = new RepeatStrings(1);
      r.at(0, batch(s, 0), 0, n);
      expect(r.at(0, batch(s, 0), 0, n - 1)).toBe(s.slice(0, n - 1));
    }
  });

  it('two batches in turn (the compare view follows the batch) and slots kept apart', () => {
    const r = new RepeatStrings(2);
    const one = batch('/var/tmp/first/file-one', 0);
    const two = batch('/var/tmp/secnd/file-one', 0);
    expect(r.at(0, one, 0, 23)).toBe('/var/tmp/first/file-one');
    expect(r.at(1, two, 0, 23)).toBe('/var/tmp/secnd/file-one');
    expect(r.at(0, two, 0, 23)).toBe('/var/tmp/secnd/file-one');
    expect(r.at(1, one, 0, 23)).toBe('/var/tmp/first/file-one');
  });

  it('invalid UTF-8 is a fresh copy of the exact bytes every time, never a kept string', () => {
    const bad = Buffer.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff, 0xfe, 0x41, 0x42]);
    const r = new RepeatStrings(1);
    const a = r.at(0, batch(bad, 4), 4, 4 + bad.length);
    const b = r.at(0, batch(bad, 4), 4, 4 + bad.length);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(a as Uint8Array)).toEqual(bad);
    expect(b).not.toBe(a);
  });
});
