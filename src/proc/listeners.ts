import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { formatAddr, parseAddr } from '../text/index.js';
import { listPids } from './stat.js';

/** A TCP socket in LISTEN state, from /proc/net/tcp or tcp6. */
export interface ListeningSocket {
  ipver: 4 | 6;
  /** Local address as text (0.0.0.0 or :: for every address). */
  addr: string;
  port: number;
  /** The socket's inode: what /proc/PID/fd/N links to as socket:[inode]. */
  inode: number;
  uid: number;
}

/** TCP_LISTEN in the st column. */
const LISTEN = '0A';

/** The address of a /proc/net/tcp{,6} column: 32-bit words in host (little-endian) order. */
function procAddr(hex: string, ipver: 4 | 6): string | undefined {
  const words = ipver === 4 ? 1 : 4;
  if (hex.length !== words * 8 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(words * 4);
  for (let w = 0; w < words; w++) {
    const v = parseInt(hex.slice(w * 8, w * 8 + 8), 16);
    for (let b = 0; b < 4; b++) bytes[w * 4 + b] = (v >>> (8 * b)) & 0xff;
  }
  return formatAddr(bytes, ipver);
}

/** The listening sockets in the text of /proc/net/tcp (ipver 4) or tcp6 (ipver 6); malformed lines are skipped. */
export function parseListening(text: string, ipver: 4 | 6): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const [addrHex, portHex] = f[1]!.split(':');
    const addr = procAddr(addrHex ?? '', ipver);
    const port = parseInt(portHex ?? '', 16);
    const inode = Number(f[9]);
    if (addr === undefined || !Number.isInteger(port) || !Number.isSafeInteger(inode) || inode <= 0) continue;
    out.push({ ipver, addr, port, inode, uid: Number(f[7]) });
  }
  return out;
}

/** Every TCP listening socket of this network namespace (the one ebpfsh runs in); an unreadable table gives none. */
export function readListening(procRoot = '/proc'): ListeningSocket[] {
  const read = (name: string, v: 4 | 6) => {
    try {
      return parseListening(readFileSync(`${procRoot}/net/${name}`, 'latin1'), v);
    } catch {
      return [];
    }
  };
  return [...read('tcp', 4), ...read('tcp6', 6)];
}

/** An address as one canonical text, v4-mapped IPv6 as IPv4 (undefined: not an IP address). */
export function canonicalAddr(text: string): string | undefined {
  const p = parseAddr(text);
  if (!p) return undefined;
  const s = formatAddr(p.bytes, p.family);
  return s.startsWith('::ffff:') && s.includes('.') ? s.slice(7) : s;
}

/** True when a socket listening on `listenAddr` takes a connection to `dest` (the same address, or a wildcard). */
export function listensFor(listenAddr: string, dest: string): boolean {
  const l = canonicalAddr(listenAddr);
  const d = canonicalAddr(dest);
  if (l === undefined || d === undefined) return false;
  if (l === d) return true;
  // :: takes IPv4 too unless the socket is v6-only, which /proc/net does not say: counted as a match.
  return l === '::' || (l === '0.0.0.0' && !d.includes(':'));
}

/** The addresses of this host's interfaces (canonical), loopback included. */
export function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(canonicalAddr(a.address.replace(/%.*$/, '')) ?? a.address);
  return out;
}

/** True when a connection to `dest` stays on this host: loopback, or an address of one of its interfaces. */
export function isLocalDestination(dest: string, host: Set<string>): boolean {
  const d = canonicalAddr(dest);
  if (d === undefined) return false;
  return d === '::1' || d.startsWith('127.') || d === '0.0.0.0' || d === '::' || host.has(d);
}

/**
 * Which processes hold each socket inode of `wanted` open, from a scan of
 * every /proc/PID/fd (the only place the kernel says it). Stops after
 * `maxFds` links so a host with huge fd tables bounds the cost.
 */
export function socketHolders(wanted: ReadonlySet<number>, procRoot = '/proc', maxFds = 500_000): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (!wanted.size) return out;
  let pids: string[];
  try {
    pids = listPids(procRoot);
  } catch {
    return out;
  }
  let links = 0;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or a kernel thread
    }
    for (const fd of fds) {
      if (++links > maxFds) return out;
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (!wanted.has(inode)) continue;
      const list = out.get(inode) ?? [];
      if (!list.includes(Number(pid))) list.push(Number(pid));
      out.set(inode, list);
    }
  }
  return out;
}
