import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, lstatSync, openSync, realpathSync, statSync, unlinkSync, writeSync, accessSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PROBES } from '../../probes/index.js';
import { CaptureError, asCaptureError } from '../errors.js';
import { hostFacts, hostZoneFacts } from '../host.js';
import { hostNames } from '../../proc/index.js';
import { addMissingProbeTables, migrate } from '../reader/migrations.js';
import { APPLICATION_ID, CHAIN_SINCE, SCHEMA_VERSION, createSchemaSql, finalizeIndexSql, tableNames } from '../schema.js';
import { validateCapture } from '../reader/validate.js';
import { buildSummaries } from '../summaries.js';
import { ChainWriter, writeGenesis } from './chain-writer.js';
import * as sameFile from './same-file.js';
import type { WriterFiles } from './same-file.js';

/** What a new capture records about its own making. */
export interface CaptureMeta {
  toolVersion: string;
  commandLine: string[];
  clockOffsetNs: number;
  startNs: number;
  /** Appended to the `start` journal row (e.g. the look-back marker of a capture that begins with the shell's ring). */
  startDetail?: string;
}

/** Mode of every file a capture creates: the evidence is for root's eyes only. */
export const CAPTURE_FILE_MODE = 0o600;

/** Where recorders before unnamed reserves kept the disk-full reserve (recovery removes a dead one's). */
function reservePath(path: string): string {
  return `${path}.reserve`;
}

function dirError(path: string, e: NodeJS.ErrnoException): CaptureError {
  const dir = dirname(resolve(path));
  switch (e.code) {
    case 'ENOENT':
      return new CaptureError(`cannot record to ${path}: directory ${dir} does not exist (create it first)`, 'ENOENT');
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new CaptureError(`cannot record to ${path}: directory ${dir} is not writable (choose another -w path)`, 'EACCES');
    case 'EEXIST':
      return new CaptureError(`${path} already exists: captures are never overwritten (choose a new file name)`, 'EEXIST');
    case 'ENOSPC':
      return new CaptureError(`cannot record to ${path}: no space left on the device (free space or choose another -w path)`, 'FULL');
    case 'EISDIR':
      return new CaptureError(`cannot record to ${path}: it is a directory (give a file name, e.g. ${path}/incident.db)`, 'EISDIR');
    default:
      return new CaptureError(`cannot record to ${path}: ${e.message}`, e.code);
  }
}

/** A new capture, and the fds held until the writer thread has proven it opened the same files. */
export interface CreatedCapture {
  /** The capture's path with its directory resolved: the writer thread opens this one. */
  path: string;
  /** Hand to the writer thread. */
  writer: WriterFiles;
  /** The disk-full reserve: an fd of an already unlinked file (no name to swap or leave behind), -1 for none. The writer reopens it through /proc at start and frees the space by closing its own fd. */
  reserveFd: number;
  /** Closes our fd of the reserve: call once the writer is ready (it holds its own then) or failed. Idempotent. */
  releaseReserve(): void;
  /**
   * Closes the fds of the capture and its companions: call once the writer
   * has closed its connection (or never opened one). Not before: closing any
   * fd of a file drops every POSIX lock this process holds on it, and the
   * writer's SQLite locks are this process's. Idempotent; frees the reserve too.
   */
  release(): void;
}

/** Test seam: runs just before SQLite opens the new capture by path ('create': this thread; 'writer': the writer thread), where a directory's owner could swap it. */
export const captureOpenHooks: { beforeOpen?: (stage: 'create' | 'writer', path: string) => void } = {};

/** Users whose directories a capture may go in: root, us, and under sudo the user who ran it (the operator). */
function trustedOwners(): Set<number> {
  const owners = new Set([0, process.geteuid?.() ?? 0]);
  const sudo = Number(process.env.SUDO_UID);
  if (process.env.SUDO_UID && Number.isInteger(sudo)) owners.add(sudo);
  return owners;
}

/**
 * Refuses a directory (or any directory above it) that someone else can
 * rename entries in: writable by group or others without the sticky bit, or
 * owned by another user. There, files can be swapped under root between its
 * opens, and SQLite opens its -journal by path and plays back any "hot" one,
 * which can even delete an arbitrary file named in it. A sticky directory
 * owned by root (/tmp, /var/tmp) is fine: others cannot remove or rename our
 * files there, and the names they could plant first are refused by the
 * exclusive creates below.
 */
function checkDirectory(path: string, verb = 'record to'): string {
  let dir: string;
  try {
    dir = realpathSync(dirname(resolve(path)));
  } catch (e) {
    throw dirError(path, e as NodeJS.ErrnoException);
  }
  const trusted = trustedOwners();
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) {
      throw new CaptureError(`cannot ${verb} ${path}: ${d} can be written by other users (mode ${mode}, no sticky bit), who could swap the capture; choose a directory only root can write`, 'UNSAFEDIR');
    }
    if (!trusted.has(st.uid)) {
      throw new CaptureError(`cannot ${verb} ${path}: ${d} belongs to uid ${st.uid}, who could swap the capture's files while root writes them; choose a directory root owns`, 'UNSAFEDIR');
    }
    if (d === dirname(d)) break;
  }
  return dir;
}

/** Creates a file exclusively (never through a symlink) with mode 0600 whatever the umask; returns its fd. */
function createExclusive(path: string): number {
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_RDWR, CAPTURE_FILE_MODE);
  try {
    fchmodSync(fd, CAPTURE_FILE_MODE); // umask only removes bits; fchmod sets them back
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** The sticky bit: in such a directory only an entry's owner (or root) may remove or rename it. */
const S_ISVTX = 0o1000;

/** The companion files SQLite opens by path next to a capture. */
const COMPANIONS = ['-journal', '-wal', '-shm'] as const;

/**
 * Creates a capture's -journal, -wal and -shm exclusively, so SQLite finds
 * ours (empty: nothing to replay) and never one planted before it. Returns
 * their fds in COMPANIONS order; `keepJournal`: our -journal from before is
 * still there (its fd), so only -wal and -shm are made.
 */
function createCompanions(path: string, created: string[], keepJournal?: number): number[] {
  const fds: number[] = keepJournal === undefined ? [] : [keepJournal];
  try {
    for (const suffix of keepJournal === undefined ? COMPANIONS : COMPANIONS.slice(1)) {
      const name = `${path}${suffix}`;
      try {
        fds.push(createExclusive(name));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new CaptureError(`cannot record to ${path}: ${name} already exists (left by another program, or planted); remove it or choose a new file name`, 'EEXIST');
        }
        throw e;
      }
      created.push(name);
    }
    return fds;
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    throw e;
  }
}

/**
 * The disk-full reserve: `bytes` allocated in the capture's file system and
 * held by an fd of an unlinked file. No name survives the call, so none can
 * be planted, swapped or left behind by a crash, and freeing it is a close.
 */
function createReserve(path: string, bytes: number): number {
  const name = `${path}.reserve-${randomBytes(6).toString('hex')}`;
  const fd = createExclusive(name);
  try {
    unlinkSync(name);
    const chunk = Buffer.alloc(Math.min(bytes, 1 << 20));
    for (let left = bytes, pos = 0; left > 0; left -= chunk.length, pos += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, left), pos);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function keyOf(fd: number): string {
  return sameFile.fileKey(fstatBig(fd));
}

function fstatBig(fd: number): { dev: bigint; ino: bigint } {
  return statSync(`/proc/self/fd/${fd}`, { bigint: true });
}

/**
 * Creates a new capture at `path`: directory checks, the capture and its
 * -journal/-wal/-shm created exclusively with mode 0600, the schema, the
 * capture row, WAL, and the disk-full reserve; SQLite's open is verified to
 * be of our files. Synchronous so a bad path fails before any probe is
 * attached. The caller has the writer thread open `path` (not the path
 * given), hands it `writer` and `reserveFd`, and calls `release` once it is
 * ready or failed.
 */
export function createCapture(given: string, meta: CaptureMeta, reserveBytes: number): CreatedCapture {
  // Every open below goes through the checked directory itself, never again through a symlink in the
  // path given (one in a sticky /tmp stays its owner's to re-point).
  const dir = checkDirectory(given);
  const path = join(dir, basename(given));
  const created: string[] = [];
  const held: number[] = [];
  let reserveFd = -1;
  let dbFd: number;
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
    dbFd = createExclusive(path);
  } catch (e) {
    throw dirError(path, e as NodeJS.ErrnoException);
  }
  created.push(path);
  held.push(dbFd);
  let db: Database.Database | undefined;
  try {
    const dbKey = keyOf(dbFd);
    let companions = createCompanions(path, created);
    held.push(...companions);
    captureOpenHooks.beforeOpen?.('create', path);
    const before = sameFile.openFileKeys();
    db = new Database(path, { fileMustExist: true });
    sameFile.assertOpenedOurs(before, [{ name: path, key: dbKey }], dir);
    // 16 KiB pages: fewer page writes per commit and B-tree splits than 4 KiB; ~10% less writer CPU per row here.
    db.pragma('page_size = 16384');
    // MEMORY first: switching to WAL writes the header through a rollback journal, which SQLite would
    // otherwise open by path (O_CREAT, not exclusive). With it, no -journal is ever written here.
    db.pragma('journal_mode = MEMORY');
    db.pragma('journal_mode = WAL');
    // The first write opens the -wal and -shm: check them before any statement that could fire a trigger.
    db.pragma(`application_id = ${APPLICATION_ID}`);
    sameFile.assertOpenedOurs(before, [{ name: `${path}-wal`, key: keyOf(companions[1]!) }, { name: `${path}-shm`, key: keyOf(companions[2]!) }], dir);
    db.pragma('synchronous = NORMAL');
    const host = hostFacts();
    const names = hostNames();
    db.transaction(() => {
      for (const sql of createSchemaSql()) db!.exec(sql);
      db!.prepare(
        `INSERT INTO capture (id, tool, tool_version, schema_version, hostname, kernel_release, boot_id, clock_offset_ns, start_ns, start_time, clean_stop, command_line, recorder_pid, last_commit_ns)
         VALUES (1, 'ebpfsh', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
      ).run(meta.toolVersion, SCHEMA_VERSION, host.hostname, host.kernelRelease, host.bootId, meta.clockOffsetNs, meta.startNs,
        new Date(Math.floor((meta.startNs + meta.clockOffsetNs) / 1e6)).toISOString(), JSON.stringify(meta.commandLine), process.pid, meta.startNs);
      db!.prepare("INSERT INTO journal (ts, action, detail) VALUES (?, 'start', ?)").run(meta.startNs, `recording by ${meta.commandLine.join(' ')}${meta.startDetail ? `; ${meta.startDetail}` : ''}`);
      // Inserted before the first batch: the chain's first batch covers them (they are not in the genesis hash).
      const fact = db!.prepare('INSERT INTO host_facts (key, value) VALUES (?, ?)');
      for (const [k, v] of hostZoneFacts((meta.startNs + meta.clockOffsetNs) / 1e6)) fact.run(k, v);
      const name = db!.prepare('INSERT INTO host_users (kind, num, name) VALUES (?, ?, ?)');
      for (const n of names) name.run(n.kind, n.num, n.name);
      writeGenesis(db!);
      db!.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
    db.close(); // checkpoints into the capture and removes the -wal and -shm; our empty -journal normally stays
    db = undefined;
    // The writer's own open: fresh -wal and -shm again. Its first lock looks for a hot -journal
    // before it knows the file is WAL; ours is empty, and nobody else can replace it here.
    const journalFd = companions[0]!;
    let journalKept: number | undefined;
    try {
      if (sameFile.fileKey(lstatSync(`${path}-journal`, { bigint: true })) === keyOf(journalFd)) journalKept = journalFd;
    } catch {
      // SQLite removed it: made again below
    }
    for (const fd of companions) if (fd !== journalKept) closeSync(fd);
    held.splice(1);
    created.splice(1);
    if (journalKept !== undefined) created.push(`${path}-journal`);
    const sha256 = sameFile.sha256OfFd(dbFd);
    companions = createCompanions(path, created, journalKept);
    held.push(...companions);
    if (reserveBytes > 0) reserveFd = createReserve(path, reserveBytes);
    captureOpenHooks.beforeOpen?.('writer', path);
    const want = [{ name: path, key: dbKey }, { name: `${path}-wal`, key: keyOf(companions[1]!) }, { name: `${path}-shm`, key: keyOf(companions[2]!) }];
    let released = false;
    let reserveReleased = false;
    const releaseReserve = () => {
      if (reserveReleased) return;
      reserveReleased = true;
      if (reserveFd >= 0) closeSync(reserveFd);
    };
    return {
      path,
      writer: { dir, dbFd, sha256, want },
      reserveFd,
      releaseReserve,
      release: () => {
        releaseReserve();
        if (released) return;
        released = true;
        for (const fd of held) closeSync(fd);
      },
    };
  } catch (e) {
    try {
      db?.close();
    } catch {
      // closing is best effort on the way out
    }
    for (const fd of held) closeSync(fd);
    if (reserveFd >= 0) closeSync(reserveFd);
    // Only names we created; when ours was swapped away (SWAPPED) the name is not ours: leave it.
    if ((e as NodeJS.ErrnoException).code !== 'SWAPPED') {
      for (const f of created) {
        try {
          unlinkSync(f);
        } catch {
          // not there
        }
      }
    }
    if (e instanceof CaptureError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'SWAPPED') throw new CaptureError((e as Error).message, 'SWAPPED');
    throw dirError(path, e as NodeJS.ErrnoException);
  }
}

/** What recovery found and did. */
export interface RecoveryResult {
  /** The capture had not been stopped cleanly. */
  wasUnclean: boolean;
  /** Kernel monotonic ns from which nothing is known (the last committed batch). */
  gapStartNs: number | null;
  /** The schema version before any migration. */
  fromVersion: number;
  /** The schema version after: the current one, or fromVersion for a capture with an integrity chain (never migrated in place). */
  toVersion: number;
}

/**
 * Opens an existing capture for writing and makes it whole: SQLite replays
 * the committed part of the WAL; a capture whose recorder died is marked
 * unclean with a `recorder_died` loss row for the gap and a `recovered`
 * journal entry, and gets the summary tables stop would have built (chained
 * with them); an older schema without an integrity chain is migrated (one
 * with a chain keeps its schema); indexes are built; and the file is left
 * self-contained (journal_mode=DELETE). Idempotent.
 */
export function recoverCapture(path: string, nowNs: number = Number(process.hrtime.bigint())): RecoveryResult {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CaptureError(`${path}: no such capture`, 'ENOENT');
  }
  if (!st.isFile()) throw new CaptureError(`${path} is not a file`, 'NOTCAPTURE');
  const real = join(checkDirectory(path, 'recover'), basename(path)); // as in createCapture
  const made = guardCompanions(real);
  const db = new Database(real, { fileMustExist: true });
  try {
    db.pragma('trusted_schema = OFF');
    db.pragma('cell_size_check = ON');
    db.pragma('synchronous = NORMAL');
    const name = basename(path);
    const { version } = validateCapture(db, name);
    const ok = db.pragma('quick_check', { simple: true });
    if (ok !== 'ok') throw new CaptureError(`${name} is damaged (${String(ok)}); copy it and try: sqlite3 ${name} .recover`, 'CORRUPT');
    // A capture with an integrity chain keeps its schema: migrating rewrites capture.schema_version, which
    // the genesis hash covers, so verify would call it edited. Readers migrate their private copy instead.
    const chained = version >= CHAIN_SINCE && db.prepare('SELECT kind FROM chain WHERE seq = 0').pluck().get() === 'genesis';
    const toVersion = chained ? version : SCHEMA_VERSION;
    if (version < toVersion) migrate(db, version);
    else addMissingProbeTables(db, version);
    const cap = db.prepare('SELECT end_ns, clean_stop, last_commit_ns FROM capture').get() as { end_ns: number | null; clean_stop: number; last_commit_ns: number | null } | undefined;
    const wasUnclean = !!cap && cap.end_ns === null;
    const gapStart = cap?.last_commit_ns ?? null;
    db.transaction(() => {
      if (wasUnclean) {
        const bootSame = nowNs >= (gapStart ?? 0);
        // The gap ends now only if we are still in the same boot; otherwise its end is unknown.
        const end = bootSame ? nowNs : null;
        db.prepare("INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (NULL, 'recorder_died', ?, ?, NULL)").run(gapStart ?? 0, end);
        db.prepare("INSERT INTO journal (ts, action, detail) VALUES (?, 'recovered', ?)").run(gapStart ?? 0,
          'the recorder died without stopping: nothing is known after the last committed batch');
        db.prepare("UPDATE capture SET clean_stop = 0, end_ns = ?, end_time = NULL, stop_reason = 'recorder died'").run(gapStart);
        // The summaries stop would have built (none: the stop transaction never committed), over every
        // row the recorder committed, so the recovered capture answers as fast as a cleanly stopped one.
        // (Those its schema has: none before 5, no uid_summary in 5.)
        const tables = tableNames(db);
        if (tables.has('summaries') && db.prepare('SELECT count(*) FROM summaries').pluck().get() === 0) buildSummaries(db, PROBES);
        // Chained as a batch of its own kind (with the summaries): verify says the chain of the recording ends before it.
        const chain = new ChainWriter(db);
        chain.append('recovered');
        chain.commit();
      }
      for (const sql of finalizeIndexSql(PROBES, tableNames(db))) db.exec(sql);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    removeLegacyReserve(real);
    return { wasUnclean, gapStartNs: gapStart, fromVersion: version, toVersion };
  } catch (e) {
    throw asCaptureError(e, basename(path));
  } finally {
    db.close();
    removeEmptyCompanions(made);
  }
}

/**
 * Before root opens an existing capture read-write: each -journal, -wal and
 * -shm next to it is either ours (a crashed recorder's: a plain file of
 * root's with one link) or made now, empty and exclusively, so none can be
 * planted before SQLite's open. A planted -wal is replayed into the capture,
 * and a planted "hot" -journal is played back, and deletes any file named as
 * its super-journal.
 */
function guardCompanions(path: string): string[] {
  const euid = process.geteuid?.() ?? 0;
  const made: string[] = [];
  for (const suffix of COMPANIONS) {
    const name = `${path}${suffix}`;
    try {
      closeSync(createExclusive(name));
      made.push(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw asCaptureError(e, basename(path));
      const st = lstatSync(name);
      if (!st.isFile() || st.nlink !== 1 || st.uid !== euid) {
        throw new CaptureError(`${basename(path)}: ${name} is not the recorder's (owner uid ${st.uid}, ${st.isFile() ? `${st.nlink} links` : 'not a file'}); remove it before recovering`, 'UNSAFEDIR');
      }
    }
  }
  return made;
}

/** The placeholders guardCompanions made that SQLite left empty (a finalized capture needs none). */
function removeEmptyCompanions(made: string[]): void {
  for (const name of made) {
    try {
      const st = lstatSync(name);
      if (st.isFile() && st.size === 0 && st.nlink === 1) unlinkSync(name);
    } catch {
      // SQLite removed it
    }
  }
}

/**
 * Removes the named disk-full reserve an older recorder that died left next
 * to its capture (reserves are unnamed now). Only a plain file of ours with
 * one link: never something another user put there.
 */
function removeLegacyReserve(path: string): void {
  try {
    const st = lstatSync(reservePath(path));
    if (st.isFile() && st.nlink === 1 && st.uid === (process.geteuid?.() ?? st.uid)) unlinkSync(reservePath(path));
  } catch {
    // none
  }
}
