/*
 * The one message protocol between the recorder (main thread) and the
 * capture writer thread: both sides import these types, so a message the
 * other side does not expect fails to compile.
 */
import type { WriterFiles } from './same-file.js';

/** What the writer thread is started with (workerData). */
export interface WriterInit {
  /** The capture as createCapture resolved it (the checked directory, never a symlink in the path given). */
  path: string;
  /** The identities its own open must find (see same-file.ts verifyWriterOpen). */
  files: WriterFiles;
  /** The main thread's fd of the unnamed disk-full reserve, -1 for none; the thread reopens its own through /proc. */
  reserveFd: number;
  synchronous: 'OFF' | 'NORMAL' | 'FULL';
}

/** What the writer thread needs to insert a probe table's columnar rows (sent with each batch; small). */
export interface TableDesc {
  /** The probe table, and its columns after id in insert (and table) order as `name:TYPE`: the chain hashes the rows from these. */
  table: string;
  columns: string[];
  /** Statements with every column ("full") or without the raw twins ("lean"), for 1 and k rows. */
  lean1: string;
  leanK: string;
  full1: string;
  fullK: string;
  /** `INSERT INTO t (lean columns) VALUES `: the head of the statements that bind a chunk's uniform columns once (shared-columns.ts). */
  leanHead: string;
  k: number;
  /** Numbers per row in ints. */
  slots: number;
  /** [slot, index] pairs per column (see row-encoder.ts Slot), without the raw twins / with them. */
  leanPlan: number[];
  fullPlan: number[];
}

/** One statement with its parameters. */
export interface SqlOp {
  sql: string;
  p?: unknown[];
}

/**
 * Rows of one probe table, columnar: `ints` (transferred, not copied) has
 * `d.slots` numbers per row, an INTEGER column's value or the index of a
 * string in `strs` (each distinct string once per batch); NaN is NULL. The
 * rare exact bytes of invalid UTF-8 are in `raws` as (row, column position,
 * bytes) triples, in row and column order.
 */
export interface RowsOp {
  d: TableDesc;
  rows: number;
  ints: Float64Array;
  strs: string[];
  raws: (number | Uint8Array)[];
}

/** A statement, or a columnar batch of one probe table. */
export type Op = SqlOp | RowsOp;

/** Main thread -> writer thread. */
export type ToWriter =
  /** One transaction. */
  | { t: 'batch'; seq: number; ops: Op[] }
  /** The last transaction with the manifest (signed with `signKey`, PKCS#8 PEM, when given), then `final` (indexes), checkpoint and journal_mode=DELETE. */
  | { t: 'finish'; ops: Op[]; final: string[]; signKey?: string };

/** Writer thread -> main thread. */
export type FromWriter =
  /** The capture is open and proven ours. */
  | { t: 'ready' }
  /** Batch `seq` committed `rows` event rows; `lost`: written off after disk full (nothing committed). */
  | { t: 'ack'; seq: number; rows: number; ms?: number; cpuMs?: number; lost?: boolean }
  /** Batch `seq` hit disk full: not committed, the reserve is freed for the stop record. */
  | { t: 'full'; seq: number }
  /** Batch `seq` failed for another reason: not committed. */
  | { t: 'failed'; seq: number; message: string; code?: string }
  /** The capture is finalized (or could not be: `error`); `mode` is its journal mode now. */
  | { t: 'finished'; mode: string; error?: string; rows: number; cpuMs?: number };
