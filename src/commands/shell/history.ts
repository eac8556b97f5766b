import { closeSync, constants, fchownSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Lines kept in the history file. */
export const HISTORY_LIMIT = 1000;

/** Where a user's history lives, and who should own it. */
export interface HistoryFile {
  path: string;
  /** Under sudo: the invoking user, so the file in their home stays theirs. */
  owner?: { uid: number; gid: number };
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
 * who ran sudo (SUDO_USER), else of the current user.
 */
export function historyFile(env: NodeJS.ProcessEnv = process.env): HistoryFile | null {
  if (env.EBPFSH_HISTORY !== undefined) return env.EBPFSH_HISTORY ? { path: env.EBPFSH_HISTORY } : null;
  const sudoUser = env.SUDO_USER;
  const uid = Number(env.SUDO_UID);
  const gid = Number(env.SUDO_GID);
  if (sudoUser && sudoUser !== 'root' && Number.isInteger(uid) && Number.isInteger(gid)) {
    const home = homeOf(sudoUser);
    if (home) return { path: join(home, '.ebpfsh_history'), owner: { uid, gid } };
  }
  return { path: join(homedir(), '.ebpfsh_history') };
}

/** Opens without following a symlink: as root we write into a user's home. */
function openSafely(path: string, flags: number): number {
  const fd = openSync(path, flags | constants.O_NOFOLLOW, 0o600);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error(`${path} is not a regular file`);
  }
  return fd;
}

/** The saved history, oldest first (empty when there is none or it cannot be read). */
export function loadHistory(file: HistoryFile | null): string[] {
  if (!file) return [];
  try {
    const fd = openSafely(file.path, constants.O_RDONLY);
    try {
      const lines = readFileSync(fd, 'utf8').split('\n').filter((l) => l.trim() !== '');
      return lines.slice(-HISTORY_LIMIT);
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
    const fd = openSafely(file.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    try {
      if (file.owner) {
        const st = fstatSync(fd);
        if (st.uid !== file.owner.uid) fchownSync(fd, file.owner.uid, file.owner.gid);
      }
      writeSync(fd, line + '\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    // read-only home, foreign file: the session goes on without history
  }
}

/** Rewrites the file with only the last HISTORY_LIMIT lines (at exit). */
export function trimHistory(file: HistoryFile | null): void {
  if (!file) return;
  const lines = loadHistory(file);
  try {
    const fd = openSafely(file.path, constants.O_RDONLY);
    const all = readFileSync(fd, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    closeSync(fd);
    if (all <= HISTORY_LIMIT * 2) return;
    const w = openSafely(file.path, constants.O_WRONLY | constants.O_TRUNC);
    try {
      writeSync(w, lines.join('\n') + '\n');
    } finally {
      closeSync(w);
    }
  } catch {
    // keep the file as it is
  }
}
