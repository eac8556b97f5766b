import { statSync } from 'node:fs';
import { Engine } from '../engine/index.js';
import { CaptureReader, Recorder } from '../store/index.js';
import { VERSION } from '../text/version.js';
import { attachProcessTable } from './process-table.js';
import type { CaptureFactory, CaptureSink, ShellEngine } from './types.js';


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
async function openCapture(path: string, argv: string[], engine: ShellEngine, signKey?: string): Promise<CaptureSink> {
  const real = engine instanceof Engine ? engine : undefined;
  const rec = Recorder.create(path, real, { toolVersion: VERSION, commandLine: argv, signKey });
  await rec.whenReady();
  // A fake engine (tests) is not subscribed by the Recorder itself.
  const unsubscribe = real ? undefined : engine.onEvents((events) => rec.record(events));
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
export const recorderCaptureFactory: CaptureFactory = { open: (path, info) => openCapture(path, info.argv, info.engine, info.signKey) };
