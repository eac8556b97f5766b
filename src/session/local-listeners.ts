import type { ByteString, TraceEvent } from '../event/index.js';
import { PROBES, facetsOf, type SocketEnd } from '../probes/index.js';
import { hostAddresses, isLocalDestination, listensFor, readListening, readProcStat, readUid, socketHolders, type ListeningSocket } from '../proc/index.js';

/** A process holding the listening socket a local connection went to. */
export interface ListenerOwner {
  pid: number;
  comm: ByteString;
  uid?: number;
  /** The address it listens on (0.0.0.0 or :: for every address). */
  addr: string;
  port: number;
  /** How it is known: a listen or accept event of this session (with its ts), or /proc at connect time. */
  from: { event: number } | 'proc';
}

/** Who listens at the other end of a connect that stayed on this host. */
export type LocalPeer = { owners: ListenerOwner[] } | { none: string };

/** Probes whose events name a TCP end (listen, accept, connect). */
const SOCKET_PROBES = new Set(PROBES.filter((p) => p.facets?.socketEnd).map((p) => p.name));

/** How long /proc's listening table and its socket owners are trusted before they are read again. */
const PROC_TTL_MS = 2000;
/** Fewest ms between two scans of every /proc/PID/fd, however many new listeners miss. */
const MIN_SCAN_MS = 250;
/** How long this host's interface addresses are kept before being read again. */
const HOST_TTL_MS = 10_000;
/** Listeners remembered per port from events, and ports remembered. */
const PER_PORT = 4;
const MAX_PORTS = 4096;

/**
 * The live shell's answer to "who is at the other end of this connection to
 * localhost": the processes seen listening (listen, accept events) or, failing
 * that, /proc at connect time (the listening socket's inode in
 * /proc/net/tcp{,6}, then the process whose fd links to it). Only connects to
 * this host are looked up, and /proc is read at most once per PROC_TTL_MS (a
 * new listener rescans at most every MIN_SCAN_MS), so a connect storm stays cheap.
 */
export class LocalListeners {
  private readonly seenListeners = new Map<number, ListenerOwner[]>();
  private readonly answers = new WeakMap<TraceEvent, LocalPeer>();
  private host: { at: number; addrs: Set<string> } | null = null;
  private table: { at: number; sockets: ListeningSocket[] } | null = null;
  private holders: { at: number; byInode: Map<number, number[]> } | null = null;
  /** /proc's answer per destination (addr port), kept PROC_TTL_MS: a connect storm to one port reads nothing. */
  private readonly procAnswers = new Map<string, { at: number; peer: LocalPeer }>();

  constructor(
    private readonly procRoot = '/proc',
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes listeners and answers each local connect of a batch (in order: a listen earlier in the batch counts). */
  note(events: readonly TraceEvent[]): void {
    for (const e of events) {
      if (!SOCKET_PROBES.has(e.probe)) continue;
      const end = facetsOf(e.probe)!.socketEnd!(e);
      if (!end) continue;
      if (end.role === 'listening') this.remember(e, end);
      else if (isLocalDestination(end.addr, this.hostAddrs())) this.answers.set(e, this.lookup(end));
    }
  }

  /** The answer for a connect event noted earlier; undefined when it left this host (or was not a connect). */
  peerOf(e: TraceEvent): LocalPeer | undefined {
    return this.answers.get(e);
  }

  private remember(e: TraceEvent, end: SocketEnd): void {
    let list = this.seenListeners.get(end.port);
    if (!list) {
      if (this.seenListeners.size >= MAX_PORTS) this.seenListeners.delete(this.seenListeners.keys().next().value!);
      this.seenListeners.set(end.port, (list = []));
    }
    const i = list.findIndex((o) => o.pid === e.pid && o.addr === end.addr);
    if (i >= 0) list.splice(i, 1);
    list.unshift({ pid: e.pid, comm: e.comm, uid: e.uid, addr: end.addr, port: end.port, from: { event: e.ts } });
    if (list.length > PER_PORT) list.pop();
  }

  private lookup(dest: SocketEnd): LocalPeer {
    // The kernel's own answer: a refused connect found no listener, whatever earlier events or a cached table say.
    if (dest.refused) return { none: `no local listener found on port ${dest.port} (the connection was refused)` };
    const seen = (this.seenListeners.get(dest.port) ?? []).filter((o) => listensFor(o.addr, dest.addr));
    if (seen.length) return { owners: seen };
    const now = this.now();
    const key = `${dest.addr} ${dest.port}`;
    const cached = this.procAnswers.get(key);
    if (cached && now - cached.at <= PROC_TTL_MS) return cached.peer;
    const peer = this.fromProc(dest, now);
    if (this.procAnswers.size >= MAX_PORTS) this.procAnswers.delete(this.procAnswers.keys().next().value!);
    this.procAnswers.set(key, { at: now, peer });
    return peer;
  }

  /** Who holds the listening socket for `dest`, from /proc/net/tcp{,6} and the fd links of every process. */
  private fromProc(dest: SocketEnd, now: number): LocalPeer {
    if (!this.table || now - this.table.at > PROC_TTL_MS) this.table = { at: now, sockets: readListening(this.procRoot) };
    const sockets = this.table.sockets.filter((s) => s.port === dest.port && listensFor(s.addr, dest.addr));
    if (!sockets.length) return { none: `no local listener found on port ${dest.port} (none in listen events, none in /proc/net/tcp at connect time)` };
    const missing = sockets.some((s) => !this.holders?.byInode.has(s.inode));
    const stale = !this.holders || now - this.holders.at > PROC_TTL_MS;
    if (stale || (missing && now - this.holders!.at >= MIN_SCAN_MS)) {
      // One scan answers every port for a while: ask for every listening inode at once.
      this.holders = { at: now, byInode: socketHolders(new Set(this.table.sockets.map((s) => s.inode)), this.procRoot) };
    }
    const owners: ListenerOwner[] = [];
    for (const s of sockets) {
      for (const pid of this.holders!.byInode.get(s.inode) ?? []) {
        const stat = readProcStat(pid, this.procRoot);
        owners.push({ pid, comm: stat?.comm ?? '?', uid: readUid(pid, this.procRoot) ?? s.uid, addr: s.addr, port: s.port, from: 'proc' });
      }
    }
    if (owners.length) return { owners };
    return { none: `no local listener found: port ${dest.port} listens (socket ${sockets.map((s) => s.inode).join(', ')}) but no process readable here holds it (another namespace?)` };
  }

  private hostAddrs(): Set<string> {
    const now = this.now();
    if (!this.host || now - this.host.at > HOST_TTL_MS) this.host = { at: now, addrs: hostAddresses() };
    return this.host.addrs;
  }
}
