import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../store/spawn.js';
import type { FromStreamWorker, StreamWorkerData } from './stream-protocol.js';

/** What the recording hears from its shipper. */
export interface ShipStreamEvents {
  /** The store became unreachable: rows wait in the capture. */
  onOutage(message: string, pending: number): void;
  /** The store answers again after an outage. */
  onBack(pending: number): void;
  /** The store refused the data for good (e.g. a bad login): streaming stopped. */
  onFatal(message: string): void;
}

const WORKER = siblingModule(import.meta.url, 'stream-worker');

/**
 * Ships a capture while it is recorded, from a worker thread: the capture
 * is the buffer, so an outage delays rows and loses none; what could not be
 * sent by the end is counted (finish).
 */
export class ShipStream {
  private readonly worker: Worker;
  private outage = false;
  private fatal: string | undefined;
  private done: Promise<{ sent: number; pending: number }>;

  constructor(data: StreamWorkerData, events: ShipStreamEvents) {
    this.worker = startWorker(WORKER, { workerData: data });
    this.done = new Promise((resolve) => {
      this.worker.on('message', (m: FromStreamWorker) => {
        if (m.type === 'status' && !m.reachable && !this.outage) {
          this.outage = true;
          events.onOutage(m.message, m.pending);
        } else if (m.type === 'status' && m.reachable && this.outage) {
          this.outage = false;
          events.onBack(m.pending);
        } else if (m.type === 'fatal') {
          this.fatal = m.message;
          events.onFatal(m.message);
        } else if (m.type === 'finished') resolve({ sent: m.sent, pending: m.pending });
      });
      this.worker.on('error', (e) => {
        this.fatal = e.message;
        events.onFatal(e.message);
        resolve({ sent: 0, pending: -1 });
      });
      this.worker.on('exit', () => resolve({ sent: 0, pending: -1 }));
    });
  }

  /** Why streaming stopped for good, if it did. */
  get failure(): string | undefined {
    return this.fatal;
  }

  /** One last pass over what the capture holds now; resolves with what is still not in the store (-1: unknown). */
  async finish(): Promise<{ sent: number; pending: number }> {
    this.worker.postMessage({ type: 'finish' });
    const r = await this.done;
    await this.worker.terminate();
    return r;
  }
}
