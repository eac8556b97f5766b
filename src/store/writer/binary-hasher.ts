import { closeSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { TraceEvent } from '../../event/index.js';
import type { BinaryIdentity } from '../../probes/index.js';
import { openByPath, openExe, type OpenExe, type OpenExeFailure } from '../../proc/index.js';
import { siblingModule, startWorker } from '../spawn.js';
import type { FromHasher, ToHasher } from './hash-protocol.js';
import { rawValue, textValue } from './row-encoder.js';
import type { SqlOp } from './writer-protocol.js';

/** Bounds and choices of binary hashing. */
export interface BinaryHashOptions {
  /** Files larger than this are not hashed (outcome too_big). Default 256 MiB. */
  maxBytes?: number;
  /** Files opened and waiting for the hash thread, past which a new one is skipped (queue_full). Default 64. */
  maxQueue?: number;
  /** Also store each file's bytes in binary_blobs (--collect-binaries). */
  collect?: boolean;
  /** Files larger than this are hashed but not collected (blob too_big). Default 64 MiB. */
  collectMaxBytes?: number;
  /** Identities remembered (each hashed once); the oldest settled ones are forgotten past this. Default 100 000. */
  cacheEntries?: number;
  /** Where /proc is (tests). */
  procRoot?: string;
}

/** Why a file was not hashed, as binaries.outcome stores it. */
export type SkipReason = 'too_big' | 'queue_full' | 'gone' | 'denied' | 'changed' | 'error' | 'stopped';

/** What the hasher did, per outcome. */
export interface BinaryCounts {
  /** Identities hashed. */
  hashed: number;
  /** Execs of an identity already hashed or in the queue: nothing to do. */
  cached: number;
  /** Execs whose file was not hashed, per reason (each counted, whether or not it wrote a row). */
  skipped: Record<SkipReason, number>;
  /** Distinct files stored in binary_blobs. */
  collected: number;
  /** CPU ms of the hash thread. */
  cpuMs: number;
}

/** An identity's state in the cache. */
interface Entry {
  /** pending: opened and queued; done: hashed, or a reason that will not change (too_big); retry: the next exec tries again. */
  state: 'pending' | 'done' | 'retry';
  /** Reasons already written for this identity (a row per reason, not per exec). */
  written: Set<string>;
}

/** A file opened and waiting for the hash thread. */
interface Job {
  key: string;
  b: BinaryIdentity;
  ts: number;
  keep: boolean;
  fd: number;
  /** How it was read when not through /proc/PID/exe (binaries.detail). */
  via: string | null;
}

const HASH_THREAD = siblingModule(import.meta.url, 'hash-thread');
const INSERT_BINARY = `INSERT INTO binaries (sha256, outcome, detail, dev, ino, size, mtime, mtime_nsec, ts, pid, path, path_raw, blob)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_BLOB = 'INSERT INTO binary_blobs (sha256, size, bytes) VALUES (?, ?, ?)';

/** The cache key of a file identity: the same key is hashed once. */
export function identityKey(b: BinaryIdentity): string {
  return `${b.dev}:${b.ino}:${b.size}:${b.mtime}.${b.mtimeNsec}`;
}

/**
 * Hashes the files that execs ran, off the event path: on an exec of an
 * identity not seen yet it opens /proc/PID/exe at once (so a binary deleted
 * right after exec is still readable while the process lives), then a
 * worker thread streams it through SHA-256. Bounded by a size limit and a
 * queue limit; every skip is counted and written as a binaries row saying
 * why. Rows go out through `emit` (the recorder's next batch).
 */
export class BinaryHasher {
  private readonly opts: Required<Omit<BinaryHashOptions, 'procRoot'>> & { procRoot: string };
  private readonly cache = new Map<string, Entry>();
  private readonly jobs = new Map<number, Job>();
  private readonly blobs = new Set<string>();
  private worker: Worker | undefined;
  private nextId = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly n: BinaryCounts = {
    hashed: 0,
    cached: 0,
    skipped: { too_big: 0, queue_full: 0, gone: 0, denied: 0, changed: 0, error: 0, stopped: 0 },
    collected: 0,
    cpuMs: 0,
  };

  constructor(opts: BinaryHashOptions, private readonly emit: (op: SqlOp) => void) {
    this.opts = {
      maxBytes: opts.maxBytes ?? 256 << 20,
      maxQueue: opts.maxQueue ?? 64,
      collect: opts.collect ?? false,
      collectMaxBytes: opts.collectMaxBytes ?? 64 << 20,
      cacheEntries: opts.cacheEntries ?? 100_000,
      procRoot: opts.procRoot ?? '/proc',
    };
  }

  /** Counts so far. */
  counts(): BinaryCounts {
    return { ...this.n, skipped: { ...this.n.skipped } };
  }

  /** Files waiting for (or being read by) the hash thread. */
  get queued(): number {
    return this.jobs.size;
  }

  /** An exec of file `b` at kernel time `e.ts`: hashes it unless this identity is done or on its way. */
  see(e: TraceEvent, b: BinaryIdentity): void {
    if (this.closed) return;
    const key = identityKey(b);
    let entry = this.cache.get(key);
    if (entry && entry.state !== 'retry') {
      this.n.cached++;
      return;
    }
    if (!entry) {
      entry = { state: 'retry', written: new Set() };
      this.remember(key, entry);
    }
    if (b.size > this.opts.maxBytes) return this.skip(key, entry, b, e.ts, 'too_big', `${b.size} bytes, over the ${this.opts.maxBytes}-byte limit`, true);
    if (this.jobs.size >= this.opts.maxQueue) return this.skip(key, entry, b, e.ts, 'queue_full', `${this.opts.maxQueue} files waiting`);
    let opened = openExe(b.pid, this.opts.procRoot);
    let via: string | null = null;
    if ('failed' in opened && opened.failed === 'gone') {
      // Exited before its event arrived (most short-lived execs): the path still names the same file when its identity matches.
      const byPath = openByPath(typeof b.path === 'string' ? b.path : Buffer.from(b.path));
      if (!('failed' in byPath) && sameFile(byPath, b) && byPath.ino === b.ino) {
        opened = byPath;
        via = 'read by path: the process had exited; the file there has the same inode, size and mtime';
      } else if (!('failed' in byPath)) closeSync(byPath.fd);
    }
    if ('failed' in opened) return this.skip(key, entry, b, e.ts, opened.failed, opened.detail);
    if (!sameFile(opened, b)) {
      closeSync(opened.fd);
      return this.skip(key, entry, b, e.ts, 'changed', `/proc/${b.pid}/exe is ${opened.size} bytes, mtime ${opened.mtime}.${opened.mtimeNsec}`);
    }
    entry.state = 'pending';
    const keep = this.opts.collect && b.size <= this.opts.collectMaxBytes;
    const id = ++this.nextId;
    this.jobs.set(id, { key, b, ts: e.ts, keep, fd: opened.fd, via });
    const msg: ToHasher = { id, fd: opened.fd, maxBytes: this.opts.maxBytes, keep };
    this.thread().postMessage(msg);
  }

  /** Resolves once the queue is empty, or after `timeoutMs` (what is left is written as stopped by close()). */
  drain(timeoutMs = 10_000): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Stops the hash thread; files still queued are written as outcome stopped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    for (const [id, job] of this.jobs) {
      this.jobs.delete(id);
      closeQuietly(job.fd);
      const entry = this.cache.get(job.key) ?? { state: 'retry' as const, written: new Set<string>() };
      this.skip(job.key, entry, job.b, job.ts, 'stopped', 'recording stopped before it was hashed');
    }
    this.settleIdle();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(HASH_THREAD, {});
    w.on('message', (m: FromHasher) => this.onResult(m));
    w.on('error', (err) => this.failAll(`hash thread failed: ${err.message}`));
    w.unref();
    this.worker = w;
    return w;
  }

  private onResult(m: FromHasher): void {
    const job = this.jobs.get(m.id);
    if (!job) return;
    this.jobs.delete(m.id);
    closeQuietly(job.fd);
    this.n.cpuMs = m.cpuMs;
    const entry = this.cache.get(job.key) ?? { state: 'retry' as const, written: new Set<string>() };
    if (m.tooBig) this.skip(job.key, entry, job.b, job.ts, 'too_big', `grew to over ${this.opts.maxBytes} bytes while read`, true);
    else if (m.sha256 === undefined) this.skip(job.key, entry, job.b, job.ts, 'error', m.error ?? 'unknown');
    else {
      entry.state = 'done';
      this.n.hashed++;
      let blob: string | null = null;
      if (this.opts.collect) {
        blob = m.bytes ? 'stored' : 'too_big';
        if (m.bytes && !this.blobs.has(m.sha256)) {
          this.blobs.add(m.sha256);
          this.n.collected++;
          this.emit({ sql: INSERT_BLOB, p: [m.sha256, m.size, m.bytes] });
        }
      }
      this.emit(this.row(m.sha256, 'hashed', job.via, job.b, job.ts, blob));
    }
    this.settleIdle();
  }

  /** Counts a skip; writes its row once per identity and reason; `final`: no later exec of this identity retries. */
  private skip(key: string, entry: Entry, b: BinaryIdentity, ts: number, why: SkipReason | OpenExeFailure['failed'], detail: string, final = false): void {
    this.n.skipped[why]++;
    entry.state = final ? 'done' : 'retry';
    if (entry.written.has(why)) return;
    entry.written.add(why);
    this.remember(key, entry);
    this.emit(this.row(null, why, detail, b, ts, null));
  }

  private row(sha256: string | null, outcome: string, detail: string | null, b: BinaryIdentity, ts: number, blob: string | null): SqlOp {
    return { sql: INSERT_BINARY, p: [sha256, outcome, detail, b.dev, b.ino, b.size, b.mtime, b.mtimeNsec, ts, b.pid, textValue(b.path), rawValue(b.path), blob] };
  }

  /** Adds to the cache, forgetting the oldest settled identities past the bound (a forgotten one may be hashed again). */
  private remember(key: string, entry: Entry): void {
    this.cache.set(key, entry);
    if (this.cache.size <= this.opts.cacheEntries) return;
    for (const [k, v] of this.cache) {
      if (this.cache.size <= this.opts.cacheEntries) break;
      if (v.state !== 'pending') this.cache.delete(k);
    }
  }

  private failAll(detail: string): void {
    this.worker = undefined;
    for (const [id, job] of this.jobs) {
      this.jobs.delete(id);
      closeQuietly(job.fd);
      const entry = this.cache.get(job.key) ?? { state: 'retry' as const, written: new Set<string>() };
      this.skip(job.key, entry, job.b, job.ts, 'error', detail);
    }
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.jobs.size > 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}

/** Closes an fd of ours; one already closed is not an error worth more than ignoring. */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Whether the file opened is the one the exec ran (not a later exec of that pid, nor a reused pid). */
function sameFile(o: OpenExe, b: BinaryIdentity): boolean {
  return o.size === b.size && o.mtime === b.mtime && o.mtimeNsec === b.mtimeNsec;
}
