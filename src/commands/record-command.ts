import type { Engine, EngineOptions, ProbeCounters, ReaderHealth } from '../engine/index.js';
import { explainFilters } from '../event/index.js';
import { attachProcessTable } from '../session/index.js';
import { Recorder, loadSigningKey, type BinaryCounts, type RecorderOptions, type StopResult } from '../store/index.js';
import { UsageError } from './errors.js';
import type { Signals } from './signals.js';
import { BULK_READER, attachAll, attachedLine, skippedLine, healthLines, lossLines, notApplyingNote, planTrace, sessionLossLines, summaryLine } from './trace-command.js';


/** Options of `ebpfsh record`. */
export interface RecordOptions {
  write: string;
  duration?: number;
  /** ebpfsh version for the capture metadata. */
  version: string;
  /** Ctrl-C, SIGTERM and SIGHUP stop the recording (src/main.ts owns them). */
  signals: Signals;
  /** Builds the live engine (src/main.ts); the recording closes it. */
  newEngine(opts?: EngineOptions): Engine;
  /** Seconds between rate lines on stderr. */
  statusEvery?: number;
  /** Also store the bytes of each executed file (deduplicated by hash). */
  collectBinaries?: boolean;
  /** Hash executed files (default true; --no-binary-hashes turns it off). */
  binaryHashes?: boolean;
  /** Files over this many MiB are neither hashed nor collected. */
  binaryLimitMib?: number;
  /** Ed25519 private key file: sign the manifest when recording stops. */
  sign?: string;
  /** --ship URL: also stream the capture to the fleet store (docs/fleet.md). */
  ship?: string;
}

/** `recorded 1234 events to x.db (5678 bytes, 410 events/s), 0 dropped` */
export function recordSummary(path: string, r: StopResult, seconds: number): string {
  const rate = seconds > 0 ? Math.round(r.rows / seconds) : r.rows;
  const file = r.journalMode === 'delete' ? '' : ` (keep ${path}-wal with it)`;
  return `recorded ${r.rows} events to ${path}${file} in ${seconds.toFixed(1)} s (${rate} events/s, ${r.bytes} bytes), ${r.dropped} dropped by the writer`;
}

/** The recorder's binary hashing from the command line. */
function binaryOptions(opts: RecordOptions): RecorderOptions['binaries'] {
  if (opts.binaryHashes === false) {
    if (opts.collectBinaries) throw new UsageError('--collect-binaries needs the hashes: drop --no-binary-hashes');
    return false;
  }
  const limit = opts.binaryLimitMib !== undefined ? Math.round(opts.binaryLimitMib * (1 << 20)) : undefined;
  return { collect: opts.collectBinaries ?? false, maxBytes: limit, collectMaxBytes: limit };
}

/** `binaries: 12 hashed, 3400 execs of files already hashed, 2 skipped (2 gone), 5 collected` */
export function binarySummary(c: BinaryCounts): string {
  const skips = Object.entries(c.skipped).filter(([, n]) => n > 0);
  const skipped = skips.reduce((a, [, n]) => a + n, 0);
  const why = skips.length ? ` (${skips.map(([k, n]) => `${n} ${k.replace('_', ' ')}`).join(', ')})` : '';
  return `binaries: ${c.hashed} hashed, ${c.cached} execs of files already hashed, ${skipped} skipped${why}, ${c.collected} collected; hash thread ${Math.round(c.cpuMs)} ms CPU`;
}

/**
 * Runs `ebpfsh record -w FILE PROBES [filters]` until Ctrl-C, SIGTERM,
 * --duration or disk full. The process-table probe is attached too
 * (unfiltered, journaled as background) so the capture's process table stays current.
 */
export async function runRecord(probeArg: string, filterWords: string[], opts: RecordOptions): Promise<number> {
  const plan = planTrace(probeArg, filterWords);
  if (opts.duration !== undefined && !(opts.duration > 0)) throw new UsageError('--duration must be a positive number of seconds');
  // The key first: a bad key file fails before anything is attached or created.
  const signing = opts.sign !== undefined ? loadSigningKey(opts.sign) : undefined;
  // Loaded on use, and checked before anything is attached: a bad url or credentials file changes nothing.
  const shipping = opts.ship !== undefined ? await import('./ship-record.js') : undefined;
  shipping?.checkShipTarget(opts.ship!);
  const engine = opts.newEngine(BULK_READER);
  const err = (s: string) => process.stderr.write(`ebpfsh: ${s}\n`);
  let recorder: Recorder;
  try {
    // The capture first: a bad -w path fails before any probe is attached.
    recorder = Recorder.create(opts.write, engine, { toolVersion: opts.version, commandLine: ['ebpfsh', ...process.argv.slice(2)], binaries: binaryOptions(opts), signKey: signing?.pem });
    await recorder.whenReady();
  } catch (e) {
    engine.close();
    throw e;
  }
  const started = performance.now();
  try {
    const table = attachProcessTable(engine, recorder, plan.probes);
    if (table.state === 'attached') err(`${attachedLine(table.attachment)} (for the process table)`);
    else if (table.state === 'failed') err(table.message);
    const done = attachAll(engine, plan);
    for (const a of done.attached) {
      recorder.journalAttach(a);
      err(attachedLine(a));
    }
    for (const s of done.skipped) err(skippedLine(s));
  } catch (e) {
    await recorder.stop('attach failed');
    engine.close();
    throw e;
  }
  const ship = shipping?.startRecordShip(opts.ship!, opts.write, recorder, err);
  err(`recording to ${opts.write}; filters: ${explainFilters(plan.filters)}${notApplyingNote(plan)}; Ctrl-C to stop`);

  let stopping: ((reason: string) => void) | undefined;
  const stopped = new Promise<string>((resolve) => (stopping = resolve));
  recorder.onStop((r) => stopping?.(r.reason));
  const unlisten = opts.signals.onStop((r) => stopping?.(r.reason === 'SIGINT' ? 'interrupted' : r.reason));
  const timer = opts.duration ? setTimeout(() => stopping?.('duration'), opts.duration * 1000) : undefined;
  let prev = new Map<string, ProbeCounters>();
  let prevSession: Record<string, number> = {};
  let prevHealth: ReaderHealth | undefined;
  let lastRows = 0;
  let ticks = 0;
  const every = opts.statusEvery ?? 5;
  const reportLosses = () => {
    const now = engine.counters();
    const session = engine.sessionLosses();
    const health = engine.readerHealth();
    for (const l of [...lossLines(now, prev), ...sessionLossLines(session, prevSession), ...healthLines(health, prevHealth)]) err(l);
    prev = new Map(now.map((c) => [c.probe, c]));
    prevSession = { ...session };
    prevHealth = health;
    return now;
  };
  const status = setInterval(() => {
    reportLosses();
    if (++ticks % every === 0) {
      const s = recorder.stats();
      err(`${s.rows} events written (${Math.round((s.rows - lastRows) / every)}/s), ${s.queued} queued, ${s.dropped} dropped`);
      lastRows = s.rows;
    }
  }, 1000);

  const reason = await stopped;
  clearInterval(status);
  if (timer) clearTimeout(timer);
  for (const a of engine.detachMany(engine.attachments().map((x) => x.probe))) recorder.journalDetach(a, reason);
  // The kernel ring, then the reader's queue, then the writer: the capture is finalized last.
  if (!(await engine.drain())) {
    const why = 'the reader did not drain the ring within 5 s: records it still held are not in the capture';
    err(why);
    recorder.journalError(why);
  }
  await ship?.beforeStop();
  const result = await recorder.stop(reason);
  const bins = recorder.stats().binaries;
  if (bins && (bins.hashed || bins.cached || Object.values(bins.skipped).some((n) => n > 0))) err(binarySummary(bins));
  const final = reportLosses();
  for (const c of final) err(summaryLine(c));
  engine.close();
  unlisten();
  err(recordSummary(opts.write, result, (performance.now() - started) / 1000));
  if (signing && !result.error) err(`manifest signed by key ${signing.fingerprint}; check with: ebpfsh verify ${opts.write} --key PUB`);
  if (result.error) {
    err(result.error.message);
    return 1;
  }
  return ship ? ship.afterStop() : 0;
}
