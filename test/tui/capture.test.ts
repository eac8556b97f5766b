import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { CaptureReader } from '../../src/store/index.js';
import { recorderCaptureFactory } from '../../src/session/index.js';
import { execEvent, openEvent } from './fake-engine.js';
import { KEY, renderShell, settle, until } from './render-shell.js';

afterEach(() => cleanup());

describe('recording from the shell (real capture store, fake engine)', () => {
  it(':record writes every event, the journal and marks; :query reads it live; :stop finalizes the file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ebpfsh-shell-cap-')), 'incident.db');
    const { command, frame, engine, model } = renderShell({ rows: 40, captureFactory: recorderCaptureFactory });
    await command('attach open');
    await command(`record ${file}`);
    await until(() => frame().includes(`recording to ${file}`), 5000, 'recording');
    // the capture's own process-table probe is attached, hidden from the view, and shown in the status line as the capture's
    expect(engine.attachments().map((a) => a.probe.name).sort()).toEqual(['opensnoop', 'procsnoop']);
    expect(model.probeStatus().find((p) => p.name === 'procsnoop')).toMatchObject({ background: true });
    expect(frame().split('\n')[0]).toMatch(/^opensnoop .* │ rec .* │ procsnoop \(for the/);
    await command('filter comm=nothing-matches');
    engine.emit([openEvent({ pid: 4242, comm: 'cat', path: '/etc/shadow' }), openEvent({ pid: 4243, comm: 'vi', path: '/etc/passwd' })]);
    await settle(300); // the writer commits every 100 ms
    await command('mark "attacker shell spawned here"');
    expect(frame()).toContain('marked: attacker shell spawned here');
    await command("query SELECT comm, path FROM open WHERE path = '/etc/shadow'");
    await until(() => frame().includes('row'), 5000, 'query result');
    expect(frame()).toMatch(/cat\s+\/etc\/shadow/);
    expect(frame()).toContain('(1 row)');
    model.sampleCounters();
    await settle();
    expect(frame().split('\n')[0]).toMatch(/rec .*incident\.db \d/);
    await command('detach open');
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
    expect(frame()).toMatch(/stopped: .*incident\.db, 2 events/);
    expect(engine.attachments()).toEqual([]); // the process-table probe went with the capture

    const r = CaptureReader.open(file);
    try {
      expect(r.info().cleanStop).toBe(true);
      expect(r.info().counts.open).toBe(2); // the view filter hid them, the capture kept them
      const journal = r.journal().map((j) => `${j.action} ${j.probe}`);
      expect(journal).toEqual(expect.arrayContaining(['attach opensnoop', 'attach procsnoop', 'detach opensnoop']));
      expect(r.notes().map((n) => n.text)).toEqual(['attacker shell spawned here']);
    } finally {
      r.close();
    }
  });

  it('while recording, the Ctrl-C question says the capture will be finalized', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-shell-cap-'));
    const { command, frame, type, quits } = renderShell({ captureFactory: recorderCaptureFactory });
    await command(`record ${join(dir, 'ask.db')}`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    await type(KEY.ctrlC);
    expect(frame()).toContain('press Ctrl-C again within 3 s (or :quit) to quit: probes are detached and the capture finalized');
    expect(quits).toEqual([]);
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a capture that cannot be created is an error line, and nothing is left half-started', async () => {
    const { command, frame, engine } = renderShell({ captureFactory: recorderCaptureFactory });
    await command('record /nonexistent-dir/x.db');
    await until(() => frame().includes('nonexistent-dir'), 5000, 'error');
    expect(frame()).toMatch(/nonexistent-dir/);
    expect(engine.attachments()).toEqual([]);
    await command('mark "x"');
    expect(frame()).toContain('not recording');
  });

  it(':query refuses writes (the capture is evidence)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ebpfsh-shell-cap-')), 'q.db');
    const { command, frame, engine, model } = renderShell({ captureFactory: recorderCaptureFactory });
    await command(`record ${file}`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    engine.emit([execEvent({ pid: 1 })]);
    await settle(200);
    await command('query DELETE FROM exec');
    await until(() => model.transcript.at(-1)?.tone !== 'echo', 5000, 'query');
    await settle();
    expect(frame().toLowerCase()).toMatch(/read-only|refused|not allowed|only select/);
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
  });
});
