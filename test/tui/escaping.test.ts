import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { escapeTerminal } from '../../src/text/index.js';
import { execEvent, openEvent } from './fake-engine.js';
import { KEY, renderShell, settle } from './render-shell.js';
import { BYTE_CORPUS, CORPUS, RAW_CONTROL, withoutInkStyling } from './escape-corpus.js';

afterEach(() => cleanup());

function assertClean(frames: string[]) {
  for (const f of frames) {
    const visible = withoutInkStyling(f);
    const m = RAW_CONTROL.exec(visible);
    expect(m ? `raw U+${m[0].charCodeAt(0).toString(16)} in frame:\n${visible}` : null).toBeNull();
  }
}

describe('escaping of traced strings on screen', () => {
  it('filenames, argv and comms with ESC/CSI/OSC, C0, C1, bidi and invalid UTF-8 show as visible escapes in every pane', async () => {
    const { command, engine, type, app, frame } = renderShell({ rows: 60 });
    await command('attach exec,open');
    const events = [
      ...CORPUS.map((c, i) => openEvent({ pid: 300 + i, comm: c.text.slice(0, 15), path: `/tmp/${c.text}` })),
      ...BYTE_CORPUS.map((c, i) => openEvent({ pid: 400 + i, comm: c.bytes, path: c.bytes })),
      execEvent({ pid: 500, comm: 'evil\x1b[2J', argv: [...CORPUS.map((c) => c.text), ...BYTE_CORPUS.map((c) => c.bytes)], filename: '/bin/\x1b]0;PWNED\x07' }),
    ];
    engine.emit(events);
    await settle(40);
    expect(frame()).toContain('/tmp/\\e]0;PWNED\\x07');
    expect(frame()).toContain('/tmp/a\\e[2Jb');
    expect(frame()).toContain('\\x9b2J');
    expect(frame()).toContain('file\\u{202e}gpj.exe');
    expect(frame()).toContain('f\\xff\\xfe\\xc0\\x80');
    // every corpus entry appears once, on its own row: none hid or rewrote another
    for (const c of CORPUS) expect(frame()).toContain(('/tmp/' + escapeTerminal(c.text)).slice(0, 14));
    await type(KEY.enter); // detail of the exec with every hostile argv word
    expect(frame()).toContain('[2] \\e]0;PWNED\\x07');
    expect(frame()).toContain('(not UTF-8: 3 bytes, shown as \\xNN)');
    await type(KEY.esc, KEY.up, KEY.up, KEY.enter); // detail of an open event with a byte path
    await type(KEY.esc);
    await command('tree 500');
    await command('filter comm=evil');
    await type(':', 'filter path=/tmp/', KEY.tab);
    await settle(30);
    assertClean(app.frames);
  });

  it('a probe-side describe() cannot inject either: the row text is built from escaped parts', () => {
    for (const c of CORPUS) expect(RAW_CONTROL.test(escapeTerminal(c.text))).toBe(false);
    for (const c of BYTE_CORPUS) expect(RAW_CONTROL.test(escapeTerminal(c.bytes))).toBe(false);
  });
});
