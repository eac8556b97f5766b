/** What the streaming ship worker is given. */
export interface StreamWorkerData {
  path: string;
  url: string;
  intervalMs: number;
  batchRows?: number;
}

/** Main thread to worker. */
export type ToStreamWorker = { type: 'finish' };

/** Worker to main thread. */
export type FromStreamWorker =
  | { type: 'status'; reachable: true; sent: number; pending: number }
  | { type: 'status'; reachable: false; message: string; pending: number }
  | { type: 'fatal'; message: string }
  | { type: 'finished'; sent: number; pending: number; message?: string };
