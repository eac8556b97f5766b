import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { recorderCaptureFactory } from '../../src/session/index.js';
import { openEvent } from './fake-engine.js';
import { renderShell, settle, until } from './render-shell.js';

afterEach(() => cleanup());

// Short enough for the DETAIL column at 100 columns, so "not shown" means folded, not cut.
const LIBRARY_OPENS = ['/lib/libc.so.6', '/etc/ld.so.cache', '/usr/lib/locale/C/LC_CTYPE', '/usr/share/locale/de/x.mo'];

describe(':noise folds library and locale opens from the view', () => {
  it(':noise off hides them, keeps other opens, and the status line counts what it folded', async () => {
    const { frame, command, engine } = renderShell({ rows: 30 });
    await command('attach open');
    engine.emit([openEvent({ pid: 11, path: LIBRARY_OPENS[0]! })]);
    await settle(60);
    expect(frame()).toContain('libc.so.6');
    await command('noise off');
    expect(frame()).not.toContain('libc.so.6');
    engine.emit([...LIBRARY_OPENS.map((path) => openEvent({ pid: 12, path })), openEvent({ pid: 13, path: '/tmp/.x/kworker' })]);
    await settle(60);
    const f = frame();
    expect(f).toContain('/tmp/.x/kworker');
    for (const path of LIBRARY_OPENS) expect(f).not.toContain(path);
    expect(f.split('\n')[0]).toContain('noise off (5 folded)');
  });

  it(':noise on shows them again and the status line no longer mentions noise', async () => {
    const { frame, command, engine } = renderShell({ rows: 30 });
    await command('attach open');
    await command('noise off');
    engine.emit([openEvent({ pid: 12, path: LIBRARY_OPENS[0]! })]);
    await settle(60);
    expect(frame()).not.toContain('libc.so.6');
    await command('noise on');
    expect(frame()).toContain('libc.so.6');
    expect(frame().split('\n')[0]).not.toContain('folded');
  });

  it('a view filter still applies to what the fold leaves', async () => {
    const { frame, command, engine } = renderShell({ rows: 30 });
    await command('attach open');
    await command('noise off');
    await command('filter comm=curl');
    engine.emit([openEvent({ pid: 12, comm: 'curl', path: LIBRARY_OPENS[0]! }), openEvent({ pid: 13, comm: 'curl', path: '/tmp/payload' }), openEvent({ pid: 14, comm: 'cat', path: '/tmp/other' })]);
    await settle(60);
    const f = frame();
    expect(f).toContain('/tmp/payload');
    expect(f).not.toContain('/tmp/other');
    expect(f).not.toContain('libc.so.6');
  });

  it('a bad argument is a one-line usage error and changes nothing', async () => {
    const { frame, command, model } = renderShell();
    await command('noise maybe');
    expect(frame()).toContain('usage: noise on|off');
    expect(model.noise().shown).toBe(true);
  });

  it('the capture keeps every folded event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-noise-'));
    try {
      const file = join(dir, 'c.db');
      const { frame, command, engine } = renderShell({ captureFactory: recorderCaptureFactory, rows: 30 });
      await command('attach open');
      await command(`record ${file}`);
      await until(() => frame().includes('recording to'), 5000, 'recording');
      await command('noise off');
      engine.emit([...LIBRARY_OPENS.map((path) => openEvent({ pid: 12, path })), openEvent({ pid: 13, path: '/tmp/.x/kworker' })]);
      await settle(60);
      await command('stop');
      await until(() => frame().includes('stopped:'), 5000, 'stop');
      const db = new Database(file, { readonly: true });
      const paths = db.prepare('SELECT path FROM open ORDER BY ts').pluck().all();
      db.close();
      expect(paths).toEqual([...LIBRARY_OPENS, '/tmp/.x/kworker']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
