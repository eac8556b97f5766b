import { describe, expect, it } from 'vitest';
import { escapeTerminal, safeJson, toByteString } from '../../src/probes/index.js';

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
});
