import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { splitNul, toByteString, type ByteString } from '../probes/index.js';

/** A process running when recording started, read from /proc. */
export interface SeedProcess {
  pid: number;
  startTicks: number;
  parentPid: number;
  parentStartTicks: number | null;
  uid: number | null;
  comm: ByteString;
  exe: ByteString | null;
  argv: ByteString[] | null;
}

interface Stat {
  ppid: number;
  startTicks: number;
  comm: ByteString;
}

function readStat(root: string, pid: string): Stat | undefined {
  try {
    const raw = readFileSync(`${root}/${pid}/stat`);
    const open = raw.indexOf(0x28); // '('
    const close = raw.lastIndexOf(0x29); // comm may hold ')' too: the last one ends it
    const rest = raw.subarray(close + 2).toString('latin1').split(' ');
    return { ppid: Number(rest[1]), startTicks: Number(rest[19]), comm: toByteString(raw.subarray(open + 1, close)) };
  } catch {
    return undefined;
  }
}

/** Every process now, with its parent key, exe and argv (exact bytes). Processes that exit meanwhile are skipped. */
export function scanProcesses(root = '/proc'): SeedProcess[] {
  const stats = new Map<number, Stat>();
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  for (const n of names) {
    const s = readStat(root, n);
    if (s) stats.set(Number(n), s);
  }
  const out: SeedProcess[] = [];
  for (const [pid, s] of stats) {
    let uid: number | null = null;
    let exe: ByteString | null = null;
    let argv: ByteString[] | null = null;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`${root}/${pid}/status`, 'latin1'));
      if (m) uid = Number(m[1]);
    } catch {
      // exited
    }
    try {
      exe = toByteString(readlinkSync(`${root}/${pid}/exe`, { encoding: 'buffer' }));
    } catch {
      // kernel thread, or not ours to read
    }
    try {
      const cmd = readFileSync(`${root}/${pid}/cmdline`);
      argv = cmd.length ? splitNul(cmd) : null;
    } catch {
      // exited
    }
    out.push({
      pid,
      startTicks: s.startTicks,
      parentPid: s.ppid,
      parentStartTicks: stats.get(s.ppid)?.startTicks ?? null,
      uid,
      comm: s.comm,
      exe,
      argv,
    });
  }
  return out;
}
