import { closeSync, constants, fstatSync, openSync } from 'node:fs';

/** An open /proc/PID/exe: the file the process runs, readable even after it was deleted. */
export interface OpenExe {
  fd: number;
  size: number;
  /** Modification time, seconds and nanoseconds (to compare with what the kernel saw at exec). */
  mtime: number;
  mtimeNsec: number;
  /** st_ino of what was opened. */
  ino: number;
}

/** Why /proc/PID/exe could not be opened: the process is gone, access was refused, or another error. */
export type OpenExeFailure = { failed: 'gone' | 'denied' | 'error'; detail: string };

/**
 * Opens the file process `pid` runs, through /proc/PID/exe (the kernel's own
 * reference, so a binary unlinked after exec is still there while the
 * process lives). The caller owns the fd.
 */
export function openExe(pid: number, root = '/proc'): OpenExe | OpenExeFailure {
  return openAndStat(`${root}/${pid}/exe`);
}

/** Opens a file by path (without following a final symlink) with its identity, for when its process is gone. */
export function openByPath(path: string | Buffer): OpenExe | OpenExeFailure {
  return openAndStat(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

function openAndStat(path: string | Buffer, flags: number | string = 'r'): OpenExe | OpenExeFailure {
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' || code === 'ESRCH') return { failed: 'gone', detail: code };
    if (code === 'EACCES' || code === 'EPERM') return { failed: 'denied', detail: code };
    return { failed: 'error', detail: code || String(e) };
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) {
      closeSync(fd);
      return { failed: 'error', detail: 'not a regular file' };
    }
    return { fd, ino: Number(st.ino), size: Number(st.size), mtime: Number(st.mtimeNs / 1_000_000_000n), mtimeNsec: Number(st.mtimeNs % 1_000_000_000n) };
  } catch (e) {
    closeSync(fd);
    return { failed: 'error', detail: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
}
