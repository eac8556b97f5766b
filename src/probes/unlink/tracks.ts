import { textOf, type ByteString } from '../../event/index.js';

/** The path with `//`, `.` and `x/..` folded lexically, so `/var//log/./x` is checked as `/var/log/x` (symlinks are not followed). */
export function foldPath(path: ByteString | null | undefined): string {
  const text = textOf(path ?? '');
  const abs = text.startsWith('/');
  const out: string[] = [];
  for (const c of text.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..' && out.length && out[out.length - 1] !== '..') out.pop();
    else if (c !== '..' || !abs) out.push(c);
  }
  return (abs ? '/' : '') + out.join('/');
}

/** Basenames of shell and tool history files: `.bash_history`, `.zsh_history`, `.python_history`, fish's, `.lesshst`, `.viminfo`, ... */
const HISTORY = /^(\..*history|\.histfile|fish_history|\.lesshst|\.viminfo)$/;

/** True when a folded path is `/var/log` or under it. */
export const isLogPath = (folded: string): boolean => folded === '/var/log' || folded.startsWith('/var/log/');

/** True when a folded path's last component names a shell or tool history file. */
export const isHistoryPath = (folded: string): boolean => HISTORY.test(folded.slice(folded.lastIndexOf('/') + 1));

/** Directories of system binaries: a file renamed onto a name in one replaces a command everyone runs. */
const BIN_DIRS = new Set(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);

/** True when a folded path names a file directly in a system binary directory. */
export const isSystemBinary = (folded: string): boolean => BIN_DIRS.has(folded.slice(0, folded.lastIndexOf('/')));
