/*
 * The binary hasher's worker thread: reads an fd the main thread opened
 * (fds belong to the process, so the thread can read it), streams it through
 * SHA-256, keeps the bytes when asked. The main thread, which opened the fd,
 * closes it on the answer (Node tracks fds per thread). Never on the event path.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromHasher, ToHasher } from './hash-protocol.js';

const CHUNK = 1 << 20;
const buf = Buffer.allocUnsafe(CHUNK);

function hashFd(m: ToHasher): FromHasher {
  const h = createHash('sha256');
  const kept: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const n = readSync(m.fd, buf, 0, CHUNK, size);
      if (n === 0) break;
      size += n;
      // The file grew past the limit after it was opened: stop reading, say so.
      if (size > m.maxBytes) return { id: m.id, tooBig: true, size, cpuMs: cpuMs() };
      h.update(buf.subarray(0, n));
      if (m.keep) kept.push(Buffer.from(buf.subarray(0, n)));
    }
    const bytes = m.keep ? new Uint8Array(Buffer.concat(kept, size)) : undefined;
    return { id: m.id, sha256: h.digest('hex'), size, bytes, cpuMs: cpuMs() };
  } catch (e) {
    return { id: m.id, error: (e as NodeJS.ErrnoException).code ?? String(e), size, cpuMs: cpuMs() };
  }
}

/** CPU ms this thread used so far (Linux /proc, 10 ms ticks; 0 elsewhere): what hashing costs. */
function cpuMs(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return 0;
  }
}

parentPort!.on('message', (m: ToHasher) => {
  const r = hashFd(m);
  parentPort!.postMessage(r, r.bytes ? [r.bytes.buffer as ArrayBuffer] : []);
});
