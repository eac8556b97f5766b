#!/usr/bin/env node
// Capture writer benchmark: open events through the real Recorder (row
// encoding on the main thread, SQLite in the writer thread, batched
// transactions), then finalize (indexes, checkpoint, journal_mode=DELETE).
// Prints rows/s and bytes/event beside sysdig-style raw event sizes.
//
//   npx tsc -p tsconfig.json && node bench/writer-bench.mjs [events=1000000] [dir=/tmp]
//
// No root needed; not a test. Figures go in the store's closing note.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Recorder } from '../dist/store/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(process.argv[3] ?? '/tmp', 'ebpfsh-writer-bench-'));
const path = join(dir, 'bench.db');
const BATCH = 2048; // about what the engine hands over per 10 ms flush under load

// Paths shaped like a busy host's opens (library, config and proc paths).
const PATHS = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache', '/proc/self/status', '/var/log/syslog', '/home/user/project/src/index.ts', '/tmp/f'];
function batch(start) {
  const out = new Array(BATCH);
  for (let k = 0; k < BATCH; k++) {
    const i = start + k;
    const p = PATHS[i % PATHS.length] + (i % 7 === 0 ? `.${i % 1000}` : '');
    out[k] = {
      ts: 1e12 + i * 1000, kind: 0, pid: 1000 + (i % 64), tid: 1000 + (i % 64), ppid: 900, uid: 1000, gid: 1000, cgroup: 4242, pidns: 4026531836, nspid: 1000 + (i % 64),
      comm: 'worker', probe: 'opensnoop',
      fields: { ret: 3 + (i % 10), path: p, raw_path: p, flags: 0x80000, mode: 0, dfd: -100, syscall: 'openat', truncated: 0 },
    };
  }
  return out;
}

// sysdig/scap: 26-byte event header (ts, tid, len, type, nparams), a u16 length per param.
// openat exit (PPME_SYSCALL_OPENAT_2_X): fd, dirfd, name, flags, mode, dev, ino.
// openat enter (PPME_SYSCALL_OPENAT_2_E): dirfd, name, flags, mode.
const scapExit = (p) => 26 + 7 * 2 + 8 + 8 + (Buffer.byteLength(p) + 1) + 4 + 4 + 4 + 8;
const scapEnter = (p) => 26 + 4 * 2 + 8 + (Buffer.byteLength(p) + 1) + 4 + 4;

const rec = Recorder.create(path, undefined, { toolVersion: 'bench', reserveBytes: 0, maxQueueRows: 4 * 1024 * 1024 });
await rec.whenReady();
const t0 = performance.now();
let sent = 0;
let scapX = 0;
let scapXE = 0;
while (sent < N) {
  const b = batch(sent);
  for (const e of b) {
    scapX += scapExit(e.fields.path);
    scapXE += scapExit(e.fields.path) + scapEnter(e.fields.path);
  }
  rec.record(b);
  sent += b.length;
  // Yield like the engine does between flushes, so acks and commits interleave.
  if ((sent / BATCH) % 8 === 0) await new Promise((r) => setImmediate(r));
}
while (rec.stats().rows < sent - rec.stats().dropped && rec.stats().queued > 0) await new Promise((r) => setTimeout(r, 5));
const tCommit = performance.now();
const res = await rec.stop('bench');
const tEnd = performance.now();
const st = rec.stats();
const bytes = statSync(path).size;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`writer bench: ${fmt(res.rows)} open events (${fmt(res.dropped)} dropped), batches of ${BATCH}`);
console.log(`  end to end (encode + worker + SQLite commit): ${fmt(res.rows / ((tCommit - t0) / 1000))} rows/s`);
console.log(`  SQLite inside the writer thread:            ${fmt(st.rows / (st.writeMs / 1000))} rows/s (${fmt(st.writeMs)} ms in ${st.batches} transactions)`);
console.log(`  finalize (indexes on ts and pid, checkpoint, DELETE mode): ${fmt(tEnd - tCommit)} ms`);
console.log(`  capture size: ${fmt(bytes)} bytes = ${(bytes / res.rows).toFixed(1)} bytes/event (with indexes)`);
console.log(`  sysdig-style raw (scap) openat exit event: ${(scapX / sent).toFixed(1)} bytes/event; enter + exit: ${(scapXE / sent).toFixed(1)} bytes/event`);
rmSync(dir, { recursive: true, force: true });
