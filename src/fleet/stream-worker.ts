import { parentPort, workerData } from 'node:worker_threads';
import { FleetConnection, isUnreachable } from './connection.js';
import { CaptureSource } from './capture-source.js';
import { CaptureShipper, ensureFleetSchema } from './shipper.js';
import { fleetTarget } from './target.js';
import type { FromStreamWorker, StreamWorkerData, ToStreamWorker } from './stream-protocol.js';

/*
 * `record --ship`'s shipper, in its own thread so the probes' path (decode,
 * writer hand-off) never waits on the network: it reads the batches the
 * recorder has committed to the capture (the capture is the on-disk buffer)
 * and sends what the store lacks, every interval.
 */
const data = workerData as StreamWorkerData;
const post = (m: FromStreamWorker) => parentPort!.postMessage(m);
let finishing = false;
let wake: (() => void) | undefined;
parentPort!.on('message', (m: ToStreamWorker) => {
  if (m.type === 'finish') {
    finishing = true;
    wake?.();
  }
});

const conn = new FleetConnection(fleetTarget(data.url), { timeoutMs: 30_000 });
let schemaReady = false;
let source: CaptureSource | undefined;
let shipper: CaptureShipper | undefined;
let sent = 0;

/** One pass; throws what the connection throws. */
async function pass(): Promise<number> {
  if (!schemaReady) {
    await ensureFleetSchema(conn);
    schemaReady = true;
  }
  source ??= new CaptureSource(data.path, { live: true });
  shipper ??= new CaptureShipper(conn, source);
  const r = await shipper.ship({ final: false, batchRows: data.batchRows });
  sent += r.sent;
  return r.pending;
}

const pendingNow = () => {
  try {
    source ??= new CaptureSource(data.path, { live: true });
    return shipper ? shipper.pending() : source.tables.filter((t) => !t.mutable).reduce((a, t) => a + source!.maxId(t), 0);
  } catch {
    return -1;
  }
};

async function main(): Promise<void> {
  /** What the last pass left unsent, when it reached the store (undefined: it did not). */
  let left: number | undefined;
  for (;;) {
    const last = finishing;
    left = undefined;
    try {
      left = await pass();
      post({ type: 'status', reachable: true, sent, pending: left });
    } catch (e) {
      if (!isUnreachable(e)) {
        post({ type: 'fatal', message: (e as Error).message });
        break;
      }
      post({ type: 'status', reachable: false, message: (e as Error).message, pending: pendingNow() });
    }
    if (last) break;
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, data.intervalMs);
    });
  }
  // After a last pass that reached the store, what it left: rows committed since (the detach journal,
  // the stop batch) are the final ship's, not rows the stream failed to send.
  const pending = left ?? pendingNow();
  post({ type: 'finished', sent, pending });
  source?.close();
  await conn.close();
}

void main();
