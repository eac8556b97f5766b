import Database from 'better-sqlite3';
import { availableParallelism } from 'node:os';
import { TableHasher, type ChainFormat, type RangeDigest } from '../chain-encoding.js';
import { siblingModule, startWorker } from '../spawn.js';

/** One table range of one batch to digest. */
export interface RangeTask {
  table: string;
  lo: number;
  hi: number;
  versioned: number[];
}

/** Digests of `tasks` in the chain encoding `format`, in task order (runs in the caller's thread). */
export function digestRangesHere(db: Database.Database, tasks: readonly RangeTask[], format: ChainFormat): RangeDigest[] {
  const hashers = new Map<string, TableHasher>();
  return tasks.map((t) => {
    let h = hashers.get(t.table);
    if (!h) hashers.set(t.table, (h = new TableHasher(db, t.table, format)));
    return h.range(t.lo, t.hi, t.versioned);
  });
}

/** Below this many rows one thread is quicker than starting workers. */
const PARALLEL_FROM_ROWS = 200_000;
const WORKER = siblingModule(import.meta.url, 'range-worker');

/**
 * Digests of `tasks`, spread over worker threads (one per CPU, at most 4),
 * each with its own read-only connection: SQLite's row encoding is what
 * verification spends its time in, and the ranges are independent. In task order.
 */
export async function digestRanges(db: Database.Database, path: string, tasks: readonly RangeTask[], format: ChainFormat, maxThreads = 4): Promise<RangeDigest[]> {
  const rows = tasks.reduce((a, t) => a + t.hi - t.lo + 1, 0);
  const threads = Math.min(maxThreads, availableParallelism());
  if (threads < 2 || rows < PARALLEL_FROM_ROWS) return digestRangesHere(db, tasks, format);
  // Shards of about equal rows, contiguous so each thread reads its part of the file in order.
  const per = Math.ceil(rows / threads);
  const shards: { from: number; tasks: RangeTask[] }[] = [];
  let cur: RangeTask[] = [];
  let curRows = 0;
  let from = 0;
  tasks.forEach((t, i) => {
    cur.push(t);
    curRows += t.hi - t.lo + 1;
    if (curRows >= per || i === tasks.length - 1) {
      shards.push({ from, tasks: cur });
      from = i + 1;
      cur = [];
      curRows = 0;
    }
  });
  const out: RangeDigest[] = new Array(tasks.length);
  await Promise.all(
    shards.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const w = startWorker(WORKER, { workerData: { path, tasks: s.tasks, format } });
          w.once('message', (m: { digests?: RangeDigest[]; error?: string }) => {
            if (m.digests) m.digests.forEach((d, k) => (out[s.from + k] = d));
            void w.terminate();
            if (m.error) reject(new Error(m.error));
            else resolve();
          });
          w.once('error', reject);
        }),
    ),
  );
  return out;
}
