import { statSync } from 'node:fs';
import { Engine } from '../engine/index.js';
import { CaptureReader, LOOK_BACK_DETAIL, Recorder } from '../store/index.js';
import { VERSION } from '../text/version.js';
import { attachProcessTable } from './process-table.js';
import type { RingSnapshot } from './flight-ring.js';
import type { CaptureFactory, CaptureOpenInfo, CaptureSink, CaptureStartOptions, LookBackStats, ShellEngine } from './types.js';

/** Look-back events go to the writer in slices this big, waiting while its queue is this full (its bound drops, counted, beyond 500k). */
const LOOK_BACK_SLICE = 10_000;
const LOOK_BACK_QUEUE = 100_000;

/**
 * Writes a ring snapshot into a new capture: journal rows for the probes
 * attached at the window's start and every change inside it (detail
 * 'look-back'), the ring's evictions and the engine's losses as loss rows,
 * then the events, in slices the writer can take.
 */
async function writeLookBack(rec: Recorder, snap: RingSnapshot): Promise<LookBackStats> {
  for (const { attachment, sinceNs } of snap.attached)
    rec.journalAttach(attachment, `${LOOK_BACK_DETAIL} (attached ${sinceNs < snap.sinceNs ? 'before the window' : 'at its start'})`, snap.sinceNs);
  for (const c of snap.changes) {
    if (c.action === 'attach') rec.journalAttach(c.attachment, LOOK_BACK_DETAIL, c.ts);
    else if (c.action === 'filter') rec.journalFilter(c.attachment, LOOK_BACK_DETAIL, c.ts);
    else rec.journalDetach(c.attachment, LOOK_BACK_DETAIL, c.ts);
  }
  let evicted = 0;
  for (const l of snap.losses) {
    rec.recordLoss(l.probe, l.cause, l.startNs, l.endNs, l.count);
    if (l.cause === 'ring_evicted') evicted += l.count;
  }
  for (let i = 0; i < snap.events.length; i += LOOK_BACK_SLICE) {
    while (!rec.stopped && rec.stats().queued > LOOK_BACK_QUEUE) await new Promise((r) => setTimeout(r, 10));
    rec.record(snap.events.slice(i, i + LOOK_BACK_SLICE));
  }
  return { startNs: snap.sinceNs, events: snap.events.length, evicted };
}


function sizeOf(path: string): number {
  let n = 0;
  for (const p of [path, `${path}-wal`]) {
    try {
      n += statSync(p).size;
    } catch {
      // no -wal (yet, or any more)
    }
  }
  return n;
}

/**
 * Opens a capture like `ebpfsh record`: the Recorder takes every event of the
 * engine, the process-table probe is attached for the capture (unless the
 * user has it) and the table is seeded from /proc.
 */
async function openCapture(path: string, argv: string[], engine: ShellEngine, look?: CaptureOpenInfo['lookBack'], choices: CaptureStartOptions = {}): Promise<CaptureSink> {
  const real = engine instanceof Engine ? engine : undefined;
  const rec = Recorder.create(path, real, { toolVersion: VERSION, commandLine: argv, lookBackStartNs: look?.startNs, binaries: { collect: choices.collectBinaries ?? false }, signKey: choices.signKey });
  // A fake engine (tests) is not subscribed by the Recorder itself.
  const unsubscribe = real ? undefined : engine.onEvents((events) => rec.record(events));
  // In the same tick as the subscription: every batch is in the ring's part or the live part, once.
  const snap = look?.take();
  try {
    await rec.whenReady();
  } catch (e) {
    unsubscribe?.();
    throw e;
  }
  const lookBack = snap ? await writeLookBack(rec, snap) : null;
  // The process table then holds what /proc shows now if its probe cannot attach; events still record.
  const table = attachProcessTable(engine, rec);
  const background: string[] = table.state === 'attached' ? [table.attachment.probe.name] : [];
  const startedAt = Date.now();
  let reader: CaptureReader | undefined;
  let closed = false;
  return {
    path,
    journal(entry) {
      if (entry.action === 'attach') rec.journalAttach(entry.attachment);
      else if (entry.action === 'filter') rec.journalFilter(entry.attachment);
      else rec.journalDetach(entry.attachment);
    },
    mark(text) {
      rec.note(text);
    },
    lookBack: () => lookBack,
    async query(sql) {
      // The live capture is in WAL form: read it in place, read-only.
      reader ??= CaptureReader.open(path, { live: true });
      return reader.query(sql, { maxRows: 1000 });
    },
    stats: () => ({ path, bytes: sizeOf(path), events: rec.stats().rows, startedAt }),
    background: () => background,
    async close() {
      if (closed) return;
      closed = true;
      for (const name of background) {
        const a = engine.attachments().find((x) => x.probe.name === name);
        if (a) {
          engine.detach(a.probe);
          rec.journalDetach(a, 'capture stopped');
        }
      }
      reader?.close();
      // The kernel ring, then the reader's queue, then the writer: the capture is finalized last.
      if (real && !(await real.drain())) rec.journalError('the reader did not drain the ring within 5 s: records it still held are not in the capture');
      unsubscribe?.();
      await rec.stop('user');
    },
  };
}

/** The capture store behind `-w`, `:record`, `:stop`, `:mark` and `:query`: a Recorder per capture (src/main.ts hands it to the shell). */
export const recorderCaptureFactory: CaptureFactory = { open: (path, info) => openCapture(path, info.argv, info.engine, info.lookBack, { collectBinaries: info.collectBinaries, signKey: info.signKey }) };
