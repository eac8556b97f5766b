import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { Attachment } from '../../src/engine/index.js';
import { type TraceEvent } from '../../src/event/index.js';
import { findProbe } from '../../src/probes/index.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { replayHeader } from '../../src/tui/replay/replay-header.js';
import { ReplayShell } from '../../src/tui/replay/ReplayShell.js';
import { ReplaySource } from '../../src/tui/replay/replay-source.js';
import { replayModel } from '../../src/tui/replay/replay-wiring.js';
import { loadTimeline } from '../../src/tui/replay/timeline.js';
import { settle } from './render-shell.js';

const mono = () => Number(process.hrtime.bigint());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function attachment(name: string): Attachment {
  return { probe: findProbe(name)!, filters: { clauses: [] }, attachPoints: [`tp_btf/${name}`], missing: [], attachedAt: Date.now(), attachMs: 1 };
}

function header(ts: number, pid: number, comm: string, probe: string): Omit<TraceEvent, 'fields'> {
  return { ts, kind: 0, pid, tid: pid, ppid: process.pid, uid: 1000, gid: 1000, cgroup: 1, pidns: 4026531836, nspid: pid, comm, probe };
}

/** What a test capture holds: 100 events 1 ms apart (pid 5000+i), notes at events 30 and 70. */
export interface TestCapture {
  path: string;
  /** ts of each event, in order. */
  ts: number[];
  noteTs: number[];
}

/**
 * Records a capture through the real Recorder (no kernel): execsnoop and
 * opensnoop attached, opensnoop detached after event 50, 100 events (every
 * 10th an exec of `tool-N`, the others opens of /data/file-N by `worker`,
 * 1 ms apart), notes at events 30 and 70, the process table seeded from /proc.
 */
export async function recordTestCapture(): Promise<TestCapture> {
  const path = join(mkdtempSync(join(tmpdir(), 'ebpfsh-replay-')), 'incident.db');
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record', '-w', 'incident.db', 'execsnoop,opensnoop'], reserveBytes: 0 });
  await rec.whenReady();
  rec.seedProcesses();
  rec.journalAttach(attachment('execsnoop'));
  const open = attachment('opensnoop');
  rec.journalAttach(open);
  await sleep(5);
  const t0 = mono();
  const ts: number[] = [];
  const noteTs: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = t0 + i * 1e6;
    ts.push(t);
    const ev: TraceEvent =
      i % 10 === 0
        ? { ...header(t, 5000 + i, `tool-${i}`, 'execsnoop'), fields: { ret: 0, filename: `/usr/bin/tool-${i}`, exe: `/usr/bin/tool-${i}`, argv: [`tool-${i}`, '--flag'], argc: 2, args_size: 10, truncated: 0 } }
        : { ...header(t, 5000 + i, 'worker', 'opensnoop'), fields: { ret: 3, path: `/data/file-${i}`, raw_path: `/data/file-${i}`, flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 } };
    rec.record([ev]);
    if (i === 30 || i === 70) {
      rec.note(`note at ${i}`, t + 500_000);
      noteTs.push(t + 500_000);
    }
    if (i === 50) {
      while (mono() < t) await sleep(1);
      rec.journalDetach(open);
    }
  }
  while (mono() < ts[99]! + 20e6) await sleep(5);
  await rec.stop('user');
  return { path, ts, noteTs };
}

/** A replay of `path` on screen, with a wall clock the test moves. */
export async function renderReplay(path: string, opts: { rows?: number; columns?: number; firstScreen?: number } = {}) {
  let wall = 1_000_000;
  const reader = CaptureReader.open(path);
  const source = new ReplaySource(reader, { nowMs: () => wall, backfill: 20 });
  const model = replayModel(source, { flushMs: 1, procRoot: '/nonexistent-proc' });
  const quits: string[] = [];
  model.onQuit = (r) => quits.push(r);
  const timeline = await loadTimeline(reader, source.info, source.span(), source.probes, source.notes());
  const head = replayHeader(source.info, source.span().endNs);
  if (opts.firstScreen) source.step(opts.firstScreen);
  const app = render(createElement(ReplayShell, { model, source, header: head, timeline: () => timeline, columns: opts.columns ?? 120, rows: opts.rows ?? 40 }));
  const frame = () => app.lastFrame() ?? '';
  /** Moves the wall clock by `ms` and ticks once. */
  const advance = async (ms: number) => {
    wall += ms;
    source.tick();
    await settle(20);
  };
  const type = async (...chunks: string[]) => {
    for (const c of chunks) {
      app.stdin.write(c);
      await settle(15);
    }
    await settle(20);
  };
  const command = async (text: string) => {
    for (const ch of text) app.stdin.write(ch);
    app.stdin.write('\r');
    await settle(60);
  };
  const close = () => {
    app.unmount();
    model.dispose();
    source.close();
    reader.close();
  };
  return { app, frame, source, model, reader, timeline, advance, type, command, close, quits };
}
