import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { splitNul, toByteString, type ByteString } from '../event/index.js';

/** The fields of /proc/PID/stat that ebpfsh reads. */
export interface ProcStat {
  ppid: number;
  /** Start time in clock ticks since boot (field 22). */
  startTicks: number;
  /** comm, exact bytes. */
  comm: ByteString;
}

/** Parses /proc/PID/stat, or undefined when the process is gone. */
export function readProcStat(pid: number | string, root = '/proc'): ProcStat | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(`${root}/${pid}/stat`);
  } catch {
    return undefined;
  }
  const open = raw.indexOf(0x28); // '('
  // comm may hold spaces and parens: fields resume after the last ')'
  const close = raw.lastIndexOf(0x29);
  const rest = raw.subarray(close + 2).toString('latin1').split(' ');
  return { ppid: Number(rest[1]), startTicks: Number(rest[19]), comm: toByteString(raw.subarray(open + 1, close)) };
}

/** Every pid in /proc now, as the directory names them; throws when /proc cannot be read. */
export function listPids(root = '/proc'): string[] {
  return readdirSync(root).filter((n) => /^\d+$/.test(n));
}

/** The real uid of PID (status Uid:), or undefined when gone. */
export function readUid(pid: number | string, root = '/proc'): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${root}/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** argv of PID from its cmdline (exact bytes; empty for a kernel thread), or undefined when gone. */
export function readCmdline(pid: number | string, root = '/proc'): ByteString[] | undefined {
  try {
    return splitNul(readFileSync(`${root}/${pid}/cmdline`));
  } catch {
    return undefined;
  }
}

/** The executable of PID (exact bytes), or undefined for a kernel thread or a process not ours to read. */
export function readExe(pid: number | string, root = '/proc'): ByteString | undefined {
  try {
    return toByteString(readlinkSync(`${root}/${pid}/exe`, { encoding: 'buffer' }));
  } catch {
    return undefined;
  }
}
