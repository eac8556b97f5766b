/*
 * Proof that SQLite opened the very files we created. SQLite opens a capture
 * and its -journal/-wal/-shm by path, and the owner of the directory can swap
 * a name between our exclusive create and SQLite's open. SQLite's own fds are
 * not reachable from JavaScript, so we compare the process's fd table before
 * and after the open: some fd must newly refer to each of our inodes (nothing
 * else in the process opens them, and our own fds already did before). Shared
 * by the main thread (capture creation) and the writer thread.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readSync, readdirSync, statSync } from 'node:fs';

/** One file SQLite must be found holding after its open: its name (for the message) and "dev:ino". */
export interface FileWant {
  name: string;
  key: string;
}

/** What the writer thread checks after its own open of the capture (see verifyWriterOpen). */
export interface WriterFiles {
  /** The capture's directory, for the message. */
  dir: string;
  /** Our fd of the capture: its bytes are compared with `sha256`. */
  dbFd: number;
  /** sha256 of the capture as creation left it. */
  sha256: string;
  /** The capture, -wal and -shm, in that order. */
  want: FileWant[];
}

/** An Error with a code like Node's: 'SWAPPED' when a file was replaced under us. */
function swapped(message: string): Error {
  return Object.assign(new Error(message), { code: 'SWAPPED' });
}

/** "dev:ino" of a stat result: the identity of a file, whatever its name. */
export function fileKey(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`;
}

/** fd number -> identity of the file it refers to, for every open fd of this process. */
export function openFileKeys(): Map<number, string> {
  const keys = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      // stat through /proc/self/fd/N follows the magic link to the open file itself, not a name.
      keys.set(Number(name), fileKey(statSync(`/proc/self/fd/${name}`, { bigint: true })));
    } catch {
      // the listing's own directory fd, or an fd closed meanwhile
    }
  }
  return keys;
}

/**
 * Throws unless, for each of `want`, an fd that did not refer to it in
 * `before` does now: proof that the open between the two snapshots got our
 * file and not one put in its place.
 */
export function assertOpenedOurs(before: Map<number, string>, want: readonly FileWant[], dir: string): void {
  const after = openFileKeys();
  for (const w of want) {
    let found = false;
    for (const [fd, key] of after) {
      if (key === w.key && before.get(fd) !== key) {
        found = true;
        break;
      }
    }
    if (!found) throw swapped(`${w.name} was replaced while it was being opened (someone else can move files in ${dir}): nothing was written to it; record to a directory only root can write`);
  }
}

/** sha256 of everything readable through fd (positional reads: no shared offset moves). */
export function sha256OfFd(fd: number): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; ; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return h.digest('hex');
}

/**
 * Verifies the writer thread's connection: forces SQLite to take its first
 * lock (which opens -wal and -shm), then checks that the capture, -wal and
 * -shm it holds are ours and that the capture's bytes are the ones creation
 * left (a rollback journal swapped in could have been played back into it).
 * Runs before any statement that could fire a trigger.
 */
export function verifyWriterOpen(db: Database.Database, before: Map<number, string>, files: WriterFiles): void {
  db.pragma('schema_version', { simple: true });
  assertOpenedOurs(before, files.want, files.dir);
  if (sha256OfFd(files.dbFd) !== files.sha256) {
    throw swapped(`${files.want[0]!.name} changed between its creation and the writer's open (someone else can write next to it in ${files.dir}); record to a directory only root can write`);
  }
}
