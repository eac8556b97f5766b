import { mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { appendHistory, historyFile, loadHistory } from '../../src/session/index.js';
import { execEvent, openEvent } from './fake-engine.js';
import { KEY, renderShell, settle } from './render-shell.js';

afterEach(() => cleanup());

function promptLine(frame: string): string {
  return frame.split('\n').at(-1)!;
}

describe('tab completion', () => {
  it('completes command names', async () => {
    const { type, frame } = renderShell();
    await type(':', 'at', KEY.tab);
    expect(promptLine(frame())).toContain(':attach');
  });

  it('completes probe names and aliases, and lists the choices when several remain', async () => {
    const { type, frame } = renderShell();
    await type(':', 'attach ', 'tcp', KEY.tab);
    expect(promptLine(frame())).toContain(':attach tcp');
    expect(frame()).toMatch(/tcpconnect\s+tcp/);
    await type('c', KEY.tab);
    expect(promptLine(frame())).toContain(':attach tcpconnect');
  });

  it('completes filter keys of the probe being attached', async () => {
    const { type, frame } = renderShell();
    await type(':', 'attach open fl', KEY.tab);
    expect(promptLine(frame())).toContain(':attach open flags=');
    await type(KEY.backspace.repeat(6), 'fo', KEY.tab);
    expect(promptLine(frame())).toContain(':attach open follow=');
  });

  it('completes filter values seen in events', async () => {
    const { type, frame, engine, command } = renderShell();
    await command('attach exec,open');
    engine.emit([execEvent({ pid: 31337, comm: 'nc.openbsd', uid: 1001 }), openEvent({ pid: 5, comm: 'cat', path: '/etc/shadow' })]);
    await settle(30);
    await type(':', 'filter comm=nc', KEY.tab);
    expect(promptLine(frame())).toContain(':filter comm=nc.openbsd');
    await type(KEY.esc, ':', 'filter path=/etc/sh', KEY.tab);
    expect(promptLine(frame())).toContain(':filter path=/etc/shadow');
    await type(KEY.esc, ':', 'tree 313', KEY.tab);
    expect(promptLine(frame())).toContain(':tree 31337');
  });

  it('offers no value that could not be typed back (control bytes in a comm)', async () => {
    const { type, frame, engine, command } = renderShell();
    await command('attach exec');
    engine.emit([execEvent({ pid: 7, comm: 'ev\x1bil' })]);
    await settle(30);
    await type(':', 'filter comm=ev', KEY.tab);
    expect(promptLine(frame())).toMatch(/:filter comm=ev\s*$/);
  });
});

describe('history', () => {
  it('Up and Down walk the commands typed before, the draft comes back', async () => {
    const { type, frame, command } = renderShell();
    await command('attach exec');
    await command('probes');
    await type(KEY.esc, ':', 'draft', KEY.up);
    expect(promptLine(frame())).toContain(':probes');
    await type(KEY.up);
    expect(promptLine(frame())).toContain(':attach exec');
    await type(KEY.down, KEY.down);
    expect(promptLine(frame())).toContain(':draft');
  });

  it('is kept across sessions in the history file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-hist-'));
    const file = { path: join(dir, '.ebpfsh_history') };
    const first = renderShell({ historyFile: file });
    await first.command('attach exec uid=1000');
    await first.command('filter comm=curl');
    expect(readFileSync(file.path, 'utf8')).toBe(':attach exec uid=1000\n:filter comm=curl\n');
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    cleanup();
    const second = renderShell({ historyFile: file, history: loadHistory(file) });
    await second.type(':', KEY.up);
    expect(promptLine(second.frame())).toContain(':filter comm=curl');
  });

  it('lives in the sudo user home under sudo, and EBPFSH_HISTORY overrides it', () => {
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === '1000');
    if (passwd) {
      const [name, , uid, gid, , home] = passwd.split(':');
      expect(historyFile({ SUDO_USER: name, SUDO_UID: uid, SUDO_GID: gid })).toMatchObject({ path: `${home}/.ebpfsh_history`, owner: { uid: 1000, gid: Number(gid) } });
    }
    expect(historyFile({ EBPFSH_HISTORY: '/tmp/h' })).toMatchObject({ path: '/tmp/h' });
    expect(historyFile({ EBPFSH_HISTORY: '' })).toBeNull();
  });

  it('never follows a symlink planted where the history file goes (root writes into a user home)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-hist-'));
    const target = join(dir, 'precious');
    writeFileSync(target, 'do not touch\n');
    const link = join(dir, '.ebpfsh_history');
    symlinkSync(target, link);
    appendHistory({ path: link }, ':attach exec');
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
    expect(loadHistory({ path: link })).toEqual([]);
  });
});

describe('line editing', () => {
  it('edits with Backspace, Left/Right, Ctrl-W and Ctrl-U; Esc cancels', async () => {
    const { type, frame } = renderShell();
    await type(':', 'attach exec uid=1000');
    await type('\x17'); // Ctrl-W
    expect(promptLine(frame())).toMatch(/:attach exec\s*$/);
    await type(KEY.backspace, KEY.backspace);
    expect(promptLine(frame())).toMatch(/:attach exe\s*$/);
    await type('\x15'); // Ctrl-U
    expect(promptLine(frame())).toMatch(/^:\s*$/);
    await type('x', KEY.esc);
    expect(promptLine(frame())).toContain(': command');
  });

  it('typing a letter in the event pane starts a command without the colon', async () => {
    const { type, engine } = renderShell();
    await type('attach open', KEY.enter);
    await settle(50);
    expect(engine.attachments().map((a) => a.probe.name)).toEqual(['opensnoop']);
  });
});
