import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, writeSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureError } from '../errors.js';

/**
 * Opens a file a reader was handed (a capture or its -wal) for reading without
 * ever blocking: O_NONBLOCK so a FIFO planted in its place cannot hang the
 * reader, then fstat on the fd so the check and the read are the same file.
 * Returns undefined when `optional` and the file does not exist.
 */
export function openEvidence(path: string, name: string, opts: { optional?: boolean; noFollow?: boolean } = {}): { fd: number; st: Stats } | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (opts.optional) return undefined;
      throw new CaptureError(`${name}: no such file`, 'ENOENT');
    }
    if (code === 'ELOOP') throw new CaptureError(`${name} is a symbolic link here; refusing to follow it`, 'NOTCAPTURE');
    throw new CaptureError(`${name} cannot be read (${code ?? (e as Error).message})`, 'EACCES');
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new CaptureError(`${name} is not a file`, 'NOTCAPTURE');
  }
  return { fd, st };
}

/** Copies the open file `srcFd` to a new file `dest`, created exclusively (never through a planted link). */
export function copyEvidence(srcFd: number, dest: string): void {
  const out = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ; ) {
      const n = readSync(srcFd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let w = 0; w < n; ) w += writeSync(out, buf, w, n - w);
      pos += n;
    }
  } finally {
    closeSync(out);
  }
}

/**
 * A private directory for a capture's working copy. As root, TMPDIR is ignored
 * (sudo may pass a user's through, and a directory they control could swap the
 * copy, plant a hot journal beside it or redirect the clean-up): /tmp is
 * root-owned and sticky.
 */
export function privateTempDir(): string {
  const base = process.geteuid?.() === 0 ? '/tmp' : tmpdir();
  return mkdtempSync(join(base, 'ebpfsh-capture-'));
}
