import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ByteString, TraceEvent } from '../../src/event/index.js';

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'ebpfsh-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** sha256 of a file. */
export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const BASE_TS = Number(process.hrtime.bigint());

/** A synthetic opensnoop event (as the engine decodes them). */
export function openEvent(i: number, path: ByteString = `/tmp/bench/file-${i % 100}`, over: Partial<TraceEvent> = {}): TraceEvent {
  return {
    ts: BASE_TS + i * 1000,
    kind: 0,
    pid: 1000 + (i % 50),
    tid: 1000 + (i % 50),
    ppid: 1,
    uid: 1000,
    gid: 1000,
    cgroup: 1,
    pidns: 4026531836,
    nspid: 1000 + (i % 50),
    comm: 'bench',
    probe: 'opensnoop',
    fields: { ret: 3, path, raw_path: typeof path === 'string' ? path.slice(path.lastIndexOf('/') + 1) : path, flags: 0, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 },
    ...over,
  };
}

/** A synthetic execsnoop event. */
export function execEvent(i: number, argv: ByteString[], over: Partial<TraceEvent> = {}): TraceEvent {
  return {
    ...openEvent(i),
    probe: 'execsnoop',
    comm: 'true',
    fields: { ret: 0, filename: '/bin/true', exe: '/usr/bin/true', argv, argc: argv.length, args_size: 10, truncated: 0 },
    ...over,
  };
}
