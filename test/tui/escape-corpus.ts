/** Hostile strings a traced process can put in a filename, an argv word or its comm. */
export const CORPUS: { name: string; text: string }[] = [
  { name: 'CSI clear screen', text: 'a\x1b[2Jb' },
  { name: 'CSI cursor up and erase line', text: 'x\x1b[1A\x1b[2Ky' },
  { name: 'OSC window title', text: '\x1b]0;PWNED\x07' },
  { name: 'OSC 8 hyperlink', text: '\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\' },
  { name: 'C0 bell, backspace, CR, LF', text: 'bell\x07bs\x08cr\rlf\nend' },
  { name: 'C1 CSI as a code point', text: 'c1\u009b31mred' },
  { name: 'DEL', text: 'del\x7f' },
  { name: 'bidi override', text: 'file\u202egpj.exe' },
  { name: 'bidi isolate', text: 'iso\u2066x\u2069' },
  { name: 'line separator', text: 'ls\u2028ps\u2029' },
];

/** Hostile byte strings (not valid UTF-8). */
export const BYTE_CORPUS: { name: string; bytes: Uint8Array }[] = [
  { name: 'raw C1 CSI byte', bytes: Uint8Array.from([0x9b, 0x32, 0x4a]) },
  { name: 'invalid UTF-8', bytes: Uint8Array.from([0x66, 0xff, 0xfe, 0xc0, 0x80]) },
  { name: 'truncated UTF-8 sequence', bytes: Uint8Array.from([0x61, 0xe2, 0x80]) },
];

/** Strips the SGR styling ink itself adds, leaving anything else visible. */
export function withoutInkStyling(frame: string): string {
  return frame.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Characters that must never reach the terminal from traced data (newline separates frame rows). */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;
