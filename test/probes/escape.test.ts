import { describe, expect, it } from 'vitest';
import { toByteString } from '../../src/event/index.js';
import { escapeTerminal, safeJson } from '../../src/text/index.js';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

describe('escapeTerminal', () => {
  it('leaves plain text alone', () => {
    expect(escapeTerminal('/usr/bin/ls -la')).toBe('/usr/bin/ls -la');
    expect(escapeTerminal('naïve café ✓')).toBe('naïve café ✓');
  });

  it('makes ESC, CSI, OSC and C0 visible', () => {
    const s = escapeTerminal('a\x1b[2J\x1b]0;pwned\x07b\r\n\t\x00');
    expect(s).toBe('a\\e[2J\\e]0;pwned\\x07b\\r\\n\\t\\x00');
    expect(RAW_CONTROL.test(s)).toBe(false);
  });

  it('escapes C1 controls and bidi overrides that could reorder or rewrite a line', () => {
    const s = escapeTerminal('x\u009b2Jy\u202egnp.exe\u2066z');
    expect(s).toBe('x\\u{9b}2Jy\\u{202e}gnp.exe\\u{2066}z');
    expect(RAW_CONTROL.test(s)).toBe(false);
  });

  it('shows invalid UTF-8 bytes as \\xNN and keeps valid sequences', () => {
    const bytes = toByteString(Uint8Array.from([0x61, 0xff, 0xc3, 0xa9, 0x9b, 0xe2, 0x82, 0x1b]));
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(escapeTerminal(bytes)).toBe('a\\xffé\\x9b\\xe2\\x82\\e');
  });

  it('shows zero-width and every other format character (Cf), so /etc/pass<ZWJ>wd never looks like /etc/passwd', () => {
    expect(escapeTerminal('/etc/pass\u200dwd')).toBe('/etc/pass\\u{200d}wd');
    const invisible = ['\u00ad', '\u061c', '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\u2061', '\u2064', '\ufeff', '\u{e0001}', '\u{e0041}', '\u{e007f}'];
    for (const ch of invisible) {
      const cp = ch.codePointAt(0)!.toString(16);
      expect(escapeTerminal(`a${ch}b`), cp).toBe(`a\\u{${cp}}b`);
      expect(escapeTerminal(Buffer.from(`a${ch}b`)), cp).toBe(`a\\u{${cp}}b`);
      expect(escapeTerminal(Uint8Array.from([...Buffer.from(`a${ch}b`), 0xff])), cp).toBe(`a\\u{${cp}}b\\xff`);
    }
    // Visible non-ASCII text, astral letters and emoji stay as they are.
    expect(escapeTerminal('日本 ✓ 𝔸 😀')).toBe('日本 ✓ 𝔸 😀');
    expect(escapeTerminal('a\ud800b')).toBe('a\\u{d800}b');
  });

  it('doubles backslashes so an escape cannot be forged', () => {
    expect(escapeTerminal('\\e[31m')).toBe('\\\\e[31m');
  });
});

describe('safeJson', () => {
  it('keeps exact bytes of invalid UTF-8 as base64 and escapes C1 and bidi', () => {
    const j = safeJson({ a: Uint8Array.from([0xff, 0x00]), b: 'x\u009by\u202e' });
    expect(j).toBe('{"a":{"base64":"/wA="},"b":"x\\u009by\\u202e"}');
    expect(JSON.parse(j).b).toBe('x\u009by\u202e');
  });

  it('escapes zero-width, soft hyphen and tag characters too, and they parse back', () => {
    const v = 'pass\u200dwd\u00ad\u2060\u{e0041}\u2028';
    const j = safeJson({ v });
    expect(j).toBe('{"v":"pass\\u200dwd\\u00ad\\u2060\\udb40\\udc41\\u2028"}');
    expect(JSON.parse(j).v).toBe(v);
  });
});
