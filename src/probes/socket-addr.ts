// What the socket probes (bind, listen, accept, dup) share: their one record
// (struct sock_event in bpf/probes/sockets.h), the socket's ends as fields,
// the port/addr/family filter keys, and the text of an endpoint.
import { FilterError } from '../event/filter-error.js';
import { toByteString, type ByteString, type FieldValue, type ProbeFilterKey, type RawRecord, type RecordSpec, type TraceEvent } from '../event/index.js';
import {
  ENUMS,
  SOCK_AF_INET,
  SOCK_AF_INET6,
  SOCK_AF_UNIX,
  SOCK_FL_CLOEXEC,
  SOCK_FL_NONBLOCK,
  SOCK_F_ADDR_FAULT,
  SOCK_F_NO_SOCKET,
} from '../event/generated/skeleton.js';
import { captureCell, captureText, cidrContains, formatAddr, parseCidr, type Cidr } from '../text/index.js';
import type { DescribePart, FieldSpec, SocketEnd } from './types.js';

/** struct sock_event: every member the socket probes read; the unix paths are the two segments. */
export const SOCK_RECORD: RecordSpec = {
  struct: 'sock_event',
  members: {
    ret: 'i32',
    fd: 'i32',
    newfd: 'i32',
    arg: 'i32',
    family: 'u16',
    type: 'u16',
    protocol: 'u16',
    lport: 'u16',
    rport: 'u16',
    ev_flags: 'u16',
    lpath_len: 'u16',
    rpath_len: 'u16',
    laddr: 'bytes',
    raddr: 'bytes',
  },
  segments: ['lpath_len', 'rpath_len'],
};

/** Lower-case names of an exported enum's constants without their prefix, by value. */
function enumNames(values: Record<string, number>, prefix: string): Map<number, string> {
  return new Map(Object.entries(values).map(([k, v]) => [v, k.slice(prefix.length).toLowerCase()]));
}
const TYPES = enumNames(ENUMS.sock_type, 'SOCK_');
const PROTOCOLS = enumNames(ENUMS.sock_protocols, 'SOCK_PROTO_');
const FAMILIES = new Map<number, string>([
  [SOCK_AF_INET, 'ipv4'],
  [SOCK_AF_INET6, 'ipv6'],
  [SOCK_AF_UNIX, 'unix'],
]);

/** The exact bytes of a ByteString. */
const bytesOf = (s: ByteString): Buffer => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s));

/**
 * A unix socket's sun_path as `ss` shows it: a pathname up to its NUL, an
 * abstract name (leading NUL) as `@` and its exact bytes, unnamed as ''.
 */
export function unixPath(raw: ByteString): ByteString {
  const b = bytesOf(raw);
  if (b.length === 0) return '';
  if (b[0] === 0) return toByteString(Buffer.concat([Buffer.from('@'), b.subarray(1)]));
  const nul = b.indexOf(0);
  return toByteString(nul < 0 ? b : b.subarray(0, nul));
}

/** The socket's family, type, protocol and (local, or both) ends as fields (null where unknown or not applicable). */
export function decodeSocket(rec: RawRecord, ends: 'local' | 'both'): Record<string, FieldValue> {
  const out = decodeEnds(rec);
  if (ends === 'local') {
    delete out.raddr;
    delete out.rport;
  }
  return out;
}

function decodeEnds(rec: RawRecord): Record<string, FieldValue> {
  const m = rec.members;
  const flags = m.ev_flags as number;
  const noSocket = (flags & SOCK_F_NO_SOCKET) !== 0;
  const out: Record<string, FieldValue> = { family: null, type: null, protocol: null, laddr: null, lport: null, raddr: null, rport: null };
  if (!noSocket) {
    out.type = TYPES.get(m.type as number) ?? String(m.type);
    const p = m.protocol as number;
    out.protocol = p === 0 ? null : (PROTOCOLS.get(p) ?? String(p));
  }
  // bind reads the caller's sockaddr when there is no socket: its family is still known
  const known = (flags & SOCK_F_ADDR_FAULT) === 0 && (!noSocket || (m.family as number) !== 0);
  if (!known) return out;
  const family = m.family as number;
  out.family = FAMILIES.get(family) ?? `af${family}`;
  if (family === SOCK_AF_INET || family === SOCK_AF_INET6) {
    const v = family === SOCK_AF_INET ? 4 : 6;
    const bytes = (a: unknown) => (v === 4 ? (a as Uint8Array).subarray(0, 4) : (a as Uint8Array));
    out.laddr = formatAddr(bytes(m.laddr), v);
    out.lport = m.lport as number;
    out.raddr = formatAddr(bytes(m.raddr), v);
    out.rport = m.rport as number;
  } else if (family === SOCK_AF_UNIX) {
    out.laddr = unixPath(rec.text(0));
    out.raddr = unixPath(rec.text(1));
  }
  return out;
}

/** The field docs of a socket's family, type, protocol and (local, or both) ends. */
export function socketFields(ends: 'local' | 'both'): FieldSpec[] {
  const local: FieldSpec[] = [
    { name: 'family', type: 'text', doc: 'ipv4, ipv6, unix or afN; null when unknown' },
    { name: 'type', type: 'text', doc: 'socket type: stream, dgram, raw, seqpacket, ...; null when the fd held no socket' },
    { name: 'protocol', type: 'text', doc: 'tcp, udp, icmp, mptcp, ... (a number when unnamed); null for unix sockets or when unknown' },
    { name: 'laddr', type: 'text', doc: 'local address; for unix sockets the path (@name when abstract, empty when unnamed)' },
    { name: 'lport', type: 'int', doc: 'local port (null for non-IP sockets)' },
  ];
  if (ends === 'local') return local;
  return [
    ...local,
    { name: 'raddr', type: 'text', doc: 'peer address; for unix sockets the peer\'s path' },
    { name: 'rport', type: 'int', doc: 'peer port (null for non-IP sockets)' },
  ];
}

interface PortRange {
  lo: number;
  hi: number;
}

/** A port or range `lo-hi`; throws FilterError naming an example. */
export function parsePort(key: string, value: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo > 65535 || hi > 65535 || lo > hi)
    throw new FilterError(`${key}: '${value}' is not a port or range 0-65535 (e.g. ${key}=443, ${key}=8000-8999)`);
  return { lo, hi };
}

/** `family=`: 4, 6 or unix. */
export function parseFamily(value: string): string {
  const v = value.toLowerCase();
  if (['4', 'inet', 'ipv4', 'ip4'].includes(v)) return 'ipv4';
  if (['6', 'inet6', 'ipv6', 'ip6'].includes(v)) return 'ipv6';
  if (['unix', 'local'].includes(v)) return 'unix';
  throw new FilterError(`family: '${value}' is not 4, 6 or unix (e.g. family=6)`);
}

/** `addr=`: an address or CIDR block. */
function parseAddrBlock(value: string): Cidr {
  try {
    return parseCidr(value);
  } catch (e) {
    if (e instanceof FilterError) throw new FilterError(e.message.replace(/^daddr:/, 'addr:').replace('(e.g. ', '(e.g. addr='));
    throw e;
  }
}

/** The ports of the event's ends that the key looks at. */
function ports(e: TraceEvent, ends: 'local' | 'both'): number[] {
  const out: number[] = [];
  if (typeof e.fields.lport === 'number') out.push(e.fields.lport);
  if (ends === 'both' && typeof e.fields.rport === 'number' && e.fields.rport !== 0) out.push(e.fields.rport);
  return out;
}

/** The IP addresses of the event's ends that the key looks at. */
function addrs(e: TraceEvent, ends: 'local' | 'both'): string[] {
  if (e.fields.family !== 'ipv4' && e.fields.family !== 'ipv6') return [];
  const out = [e.fields.laddr as string];
  if (ends === 'both' && e.fields.rport) out.push(e.fields.raddr as string);
  return out;
}

/** The family could not be read (bind's sockaddr faulted): `port=`, `addr=` and `family=` let it through either way. */
const unknownEnds = (e: TraceEvent) => e.fields.family === null;

/** port=, addr= and family= over the local end, or both ends. */
export function socketFilterKeys(ends: 'local' | 'both'): Record<string, ProbeFilterKey> {
  const which = ends === 'both' ? 'local or peer' : 'local';
  return {
    port: {
      doc: `${which} port or range`,
      example: 'port=4444',
      parse: (v) => parsePort('port', v),
      match: (e, values) => ports(e, ends).some((p) => (values as PortRange[]).some((r) => p >= r.lo && p <= r.hi)),
      unknown: unknownEnds,
    },
    addr: {
      doc: `${which} IP address or CIDR block`,
      example: 'addr=10.0.0.0/8',
      parse: parseAddrBlock,
      match: (e, values) => addrs(e, ends).some((a) => (values as Cidr[]).some((c) => cidrContains(c, a))),
      unknown: unknownEnds,
    },
    family: {
      doc: 'address family: 4, 6 or unix',
      example: 'family=6',
      parse: parseFamily,
      match: (e, values) => (values as string[]).includes(e.fields.family as string),
      unknown: unknownEnds,
    },
  };
}

/** True for an IP address only this host can reach (127.0.0.0/8, ::1, v4-mapped loopback). */
export function isLoopback(addr: string): boolean {
  return addr === '::1' || /^(::ffff:)?127\./.test(addr);
}

/** The local TCP address of a listen or accept that succeeded (`ok`), as a socket end a connect can be matched to. */
export function tcpEnd(f: Record<string, FieldValue>, which: 'l' | 'r', ok: boolean): SocketEnd | undefined {
  const addr = f[`${which}addr`];
  const port = f[`${which}port`];
  if (!ok || (f.family !== 'ipv4' && f.family !== 'ipv6') || (f.protocol !== 'tcp' && f.protocol !== 'mptcp')) return undefined;
  return typeof addr === 'string' && typeof port === 'number' ? { role: 'listening', addr, port } : undefined;
}

/** One end as `proto addr:port` parts: IPv6 in brackets, a unix path as data to escape. */
export function endpoint(f: Record<string, FieldValue>, which: 'l' | 'r'): DescribePart[] {
  const addr = f[`${which}addr`];
  const port = f[`${which}port`];
  if (addr === null || addr === undefined) return ['?'];
  if (f.family === 'unix') return (addr as ByteString).length ? [{ data: addr as ByteString }] : ['(unnamed)'];
  return [f.family === 'ipv6' ? `[${addr as string}]:${port}` : `${addr as string}:${port}`];
}

/** The socket's kind for a line: `tcp`, `udp`, `unix stream`, or `?` when unknown. */
export function socketKind(f: Record<string, FieldValue>): string {
  if (f.family === 'unix') return `unix ${f.type ?? '?'}`;
  return (f.protocol as string | null) ?? (f.type as string | null) ?? '?';
}

/** accept4/dup3 flags by name, e.g. `SOCK_CLOEXEC|SOCK_NONBLOCK`, `0` when none. */
export function formatSockFlags(v: number): string {
  const names: string[] = [];
  let rest = v;
  if (v & SOCK_FL_CLOEXEC) (names.push('SOCK_CLOEXEC'), (rest &= ~SOCK_FL_CLOEXEC));
  if (v & SOCK_FL_NONBLOCK) (names.push('SOCK_NONBLOCK'), (rest &= ~SOCK_FL_NONBLOCK));
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names.length ? names.join('|') : '0';
}

/** One end for `ebpfsh tree`, from capture values (any type): escaped, IPv6 in brackets. */
export function captureEndpoint(family: unknown, addr: unknown, port: unknown): string {
  if (addr === null || addr === undefined) return '?';
  if (family === 'unix') return captureText(addr) || '(unnamed)';
  return family === 'ipv6' ? `[${captureText(addr)}]:${captureCell(port)}` : `${captureText(addr)}:${captureCell(port)}`;
}

/** The socket's kind for `ebpfsh tree`, from capture values: escaped. */
export function captureKind(family: unknown, protocol: unknown, type: unknown): string {
  return captureText(socketKind({ family: family as FieldValue, protocol: protocol as FieldValue, type: type as FieldValue }));
}

/** Filter-key values an event offers to completion: its ports and IP addresses. */
export function socketCompletions(e: TraceEvent, add: (key: string, value: string) => void, ends: 'local' | 'both'): void {
  for (const p of ports(e, ends)) add('port', String(p));
  for (const a of addrs(e, ends)) add('addr', a);
}
