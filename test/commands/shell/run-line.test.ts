import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommandLine, runCommandLineNow } from '../../../src/commands/shell/index.js';
import type { CaptureFactory, CaptureSink } from '../../../src/session/index.js';
import { ShellModel } from '../../../src/tui/shell/shell-model.js';
import { FakeEngine } from '../../tui/fake-engine.js';

/** A capture store that writes nothing: the sink keeps the path exactly as the command passed it. */
const pathKeepingFactory: CaptureFactory = {
  open(path): CaptureSink {
    return {
      path,
      journal() {},
      mark() {},
      lookBack: () => null,
      query: () => ({ columns: [], rows: [] }) as never,
      stats: () => ({ path, bytes: 0, events: 0, startedAt: Date.now() }),
      background: () => [],
      close() {},
    };
  },
};

function shellContext() {
  return new ShellModel({ engine: new FakeEngine(), captureFactory: pathKeepingFactory, historyFile: null, procRoot: '/nonexistent-proc' }).ctx;
}

describe('unknown shell commands', () => {
  it('a near miss names the command it probably meant', async () => {
    expect(await runCommandLine(shellContext(), ':atach execve')).toEqual({ kind: 'error', message: "unknown command ':atach' (did you mean :attach? :help lists the commands)" });
    expect(await runCommandLine(shellContext(), 'filtr comm=curl')).toMatchObject({ message: "unknown command ':filtr' (did you mean :filter? :help lists the commands)" });
  });

  it('a word near nothing only points at :help', async () => {
    expect(await runCommandLine(shellContext(), 'frobnicate now')).toEqual({ kind: 'error', message: "unknown command ':frobnicate' (:help lists the commands)" });
  });

  it('the mistyped word is shown escaped', async () => {
    const r = await runCommandLine(shellContext(), 'x\x1b[2J');
    expect(r).toMatchObject({ kind: 'error' });
    expect((r as { message: string }).message).not.toContain('\x1b');
  });
});

describe(':record and :stop name the file', () => {
  it('a relative path is shown as the absolute path written to', async () => {
    const ctx = shellContext();
    const abs = join(process.cwd(), 'relative.db');
    const rec = await runCommandLine(ctx, 'record relative.db');
    expect(rec).toEqual({ kind: 'ok', lines: [`recording to ${abs} (stop to finish)`] });
    const stop = await runCommandLine(ctx, 'stop');
    expect(stop).toMatchObject({ kind: 'ok', lines: [expect.stringMatching(new RegExp(`^stopped: ${abs.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, 0 events`))] });
  });

  it('an absolute path is shown normalized', async () => {
    const rec = await runCommandLine(shellContext(), 'record /tmp/x/../incident.db');
    expect(rec).toEqual({ kind: 'ok', lines: ['recording to /tmp/incident.db (stop to finish)'] });
  });
});

describe('an instant command answers at once', () => {
  it(':detach returns its outcome, not a promise; a failing one its error line; a slow command still a promise', async () => {
    const ctx = shellContext();
    expect(runCommandLineNow(ctx, 'detach all')).toEqual({ kind: 'ok', lines: ['nothing attached'] });
    expect(runCommandLineNow(ctx, 'detach open')).toEqual({ kind: 'error', message: 'opensnoop is not attached' });
    const rec = runCommandLineNow(ctx, 'record /tmp/x/../incident.db');
    expect(rec).toBeInstanceOf(Promise);
    await rec;
  });
});
