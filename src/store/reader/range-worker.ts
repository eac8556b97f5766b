/*
 * A verification worker thread: digests its share of the chain's table
 * ranges (range-digests.ts) over its own read-only connection.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { ChainFormat } from '../chain-encoding.js';
import { digestRangesHere, type RangeTask } from './range-digests.js';

const { path, tasks, format } = workerData as { path: string; tasks: RangeTask[]; format: ChainFormat };
try {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('trusted_schema = OFF');
  db.pragma('query_only = ON');
  const digests = digestRangesHere(db, tasks, format);
  db.close();
  parentPort!.postMessage({ digests });
} catch (e) {
  parentPort!.postMessage({ error: String((e as Error | undefined)?.message) });
}
