import { closeSync, constants, fchownSync, fstatSync, ftruncateSync, readFileSync, readSync, writeSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { envFilePolicy, openUserFile, sudoUid, type UserFilePolicy } from './user-file.js';

/** Lines kept in the history file. */
export const HISTORY_LIMIT = 1000;

/** At most this much of the file's end is read: a huge file must not stall the shell. */
export const HISTORY_MAX_BYTES = 1 << 20;

/** Where a user's history lives, and who should own it. */
export interface HistoryFile {
  path: string;
  /** Under sudo: the invoking user, so the file in their home stays theirs. */
  owner?: { uid: number; gid: number };
  /** What the opened file must be (see user-file.ts); default: any owner, created when absent. */
  policy?: UserFilePolicy;
}

function homeOf(user: string): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f[5]) return f[5];
    }
  } catch {
    // no passwd file: fall back to our own home
  }
  return undefined;
}

/**
 * `$EBPFSH_HISTORY` (empty: no history), else `~/.ebpfsh_history` of the user
 * who ran sudo (SUDO_USER), else of the current user. Under sudo,
 * `$EBPFSH_HISTORY` is used only if that file exists and belongs to the sudo
 * user (envFilePolicy); as root `$HOME` is not trusted: root's home comes
 * from the password database.
 */
export function historyFile(env: NodeJS.ProcessEnv = process.env, euid: number = process.geteuid?.() ?? -1): HistoryFile | null {
  if (env.EBPFSH_HISTORY !== undefined) return env.EBPFSH_HISTORY ? { path: env.EBPFSH_HISTORY, policy: envFilePolicy(env, euid) } : null;
  const sudoUser = env.SUDO_USER;
  const uid = sudoUid(env);
  const gid = Number(env.SUDO_GID);
  if (sudoUser && sudoUser !== 'root' && uid !== undefined && Number.isInteger(gid)) {
    const home = homeOf(sudoUser);
    if (home) return { path: join(home, '.ebpfsh_history'), owner: { uid, gid }, policy: { owners: [0, uid], create: true } };
  }
  if (euid === 0) return { path: join(userInfo().homedir, '.ebpfsh_history'), policy: { owners: [0], create: true } };
  return { path: join(homedir(), '.ebpfsh_history'), policy: { create: true } };
}

/** The file's lines, oldest first, reading at most its last HISTORY_MAX_BYTES; `all`: how many there are (more when it was cut). */
function readLines(fd: number): { lines: string[]; cut: boolean } {
  const size = fstatSync(fd).size;
  const start = Math.max(0, size - HISTORY_MAX_BYTES);
  const buf = Buffer.alloc(size - start);
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  let text = buf.subarray(0, got).toString('utf8');
  if (start > 0) text = text.slice(text.indexOf('\n') + 1); // the first line was cut
  return { lines: text.split('\n').filter((l) => l.trim() !== ''), cut: start > 0 };
}

/** The saved history, oldest first (empty when there is none or it cannot be read). */
export function loadHistory(file: HistoryFile | null): string[] {
  if (!file) return [];
  try {
    const fd = openUserFile(file.path, constants.O_RDONLY, { ...file.policy, create: false });
    try {
      return readLines(fd).lines.slice(-HISTORY_LIMIT);
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
}

/**
 * Appends one line at once (a crash loses nothing typed before it). Lines
 * hold no newline; failures are ignored: history must never stop the shell.
 */
export function appendHistory(file: HistoryFile | null, line: string): void {
  if (!file || !line.trim() || /[\r\n]/.test(line)) return;
  try {
    const fd = openUserFile(file.path, constants.O_WRONLY | constants.O_APPEND, file.policy ?? { create: true });
    try {
      // One link only (openUserFile), so this gives the user their own file and nothing else.
      if (file.owner && fstatSync(fd).uid !== file.owner.uid) fchownSync(fd, file.owner.uid, file.owner.gid);
      writeSync(fd, line + '\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    // read-only home, foreign file, FIFO, hard link: the session goes on without history
  }
}

/** Rewrites the file with only the last HISTORY_LIMIT lines (at exit), in place through the checked fd. */
export function trimHistory(file: HistoryFile | null): void {
  if (!file) return;
  try {
    const fd = openUserFile(file.path, constants.O_RDWR, { ...file.policy, create: false });
    try {
      const { lines, cut } = readLines(fd);
      if (!cut && lines.length <= HISTORY_LIMIT * 2) return;
      ftruncateSync(fd, 0);
      writeSync(fd, lines.slice(-HISTORY_LIMIT).join('\n') + '\n', 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // keep the file as it is
  }
}
