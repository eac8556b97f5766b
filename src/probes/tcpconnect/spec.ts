import { formatRet } from '../../text/index.js';
import { FilterError } from '../../event/filter-error.js';
import { cidrContains, formatAddr, parseCidr, type Cidr } from '../../text/index.js';
import type { ProbeSpec } from '../types.js';
import { tcpconnectFacets } from './facets.js';

const AF_INET = 2;

interface PortRange {
  lo: number;
  hi: number;
}

function parsePort(key: string, value: string): PortRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo > 65535 || hi > 65535 || lo > hi)
    throw new FilterError(`${key}: '${value}' is not a port or range 0-65535 (e.g. ${key}=443, ${key}=8000-8999)`);
  return { lo, hi };
}

function parseFamily(value: string): number {
  const v = value.toLowerCase();
  if (['4', 'inet', 'ipv4', 'ip4'].includes(v)) return 4;
  if (['6', 'inet6', 'ipv6', 'ip6'].includes(v)) return 6;
  throw new FilterError(`family: '${value}' is not 4 or 6 (e.g. family=6)`);
}

/** tcpconnect: outbound TCP connects (IPv4 and IPv6) with their outcome. */
export const tcpconnect: ProbeSpec = {
  name: 'tcpconnect',
  aliases: ['connect', 'tcp'],
  table: 'connect',
  summary: 'outbound TCP connects (IPv4/IPv6): addresses, ports, outcome and latency',
  object: 'tcpconnect',
  profiles: ['forensic', 'network'],
  hooks: [
    {
      name: 'tcp state',
      choices: [
        { programs: ['state_btf'], attach: 'tp_btf/inet_sock_set_state' },
        { programs: ['state_tp'], attach: 'tracepoint/sock/inet_sock_set_state' },
      ],
    },
  ],
  record: {
    struct: 'connect_event',
    members: { ret: 'i32', family: 'u16', sport: 'u16', dport: 'u16', latency_us: 'u32', saddr: 'bytes', daddr: 'bytes' },
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0 when established, else -errno (ECONNREFUSED, ETIMEDOUT, ...)', width: 13 },
    { name: 'ipver', type: 'int', doc: '4 or 6' },
    { name: 'saddr', type: 'text', doc: 'source address' },
    { name: 'sport', type: 'int', doc: 'source port' },
    { name: 'daddr', type: 'text', doc: 'destination address' },
    { name: 'dport', type: 'int', doc: 'destination port' },
    { name: 'latency_us', type: 'int', doc: 'microseconds from SYN sent to the outcome' },
  ],
  retField: 'ret',
  filterKeys: {
    dport: {
      doc: 'destination port or range',
      example: 'dport=443',
      parse: (v) => parsePort('dport', v),
      match: (e, values) => (values as PortRange[]).some((r) => (e.fields.dport as number) >= r.lo && (e.fields.dport as number) <= r.hi),
    },
    daddr: {
      doc: 'destination address or CIDR block',
      example: 'daddr=10.0.0.0/8',
      parse: parseCidr,
      match: (e, values) => (values as Cidr[]).some((c) => cidrContains(c, e.fields.daddr as string)),
    },
    family: {
      doc: 'address family: 4 or 6',
      example: 'family=6',
      parse: parseFamily,
      match: (e, values) => (values as number[]).includes(e.fields.ipver as number),
    },
  },
  decode({ members }) {
    const v = members.family === AF_INET ? 4 : 6;
    const bytes = (m: unknown) => (v === 4 ? (m as Uint8Array).subarray(0, 4) : (m as Uint8Array));
    return {
      ret: members.ret as number,
      ipver: v,
      saddr: formatAddr(bytes(members.saddr), v),
      sport: members.sport as number,
      daddr: formatAddr(bytes(members.daddr), v),
      dport: members.dport as number,
      latency_us: members.latency_us as number,
    };
  },
  describe(e) {
    const f = e.fields;
    const host = (a: unknown, p: unknown) => (f.ipver === 6 ? `[${a}]:${p}` : `${a}:${p}`);
    const outcome = (f.ret as number) === 0 ? 'ok' : formatRet(f.ret as number);
    return [`${host(f.saddr, f.sport)} -> ${host(f.daddr, f.dport)} ${outcome} ${((f.latency_us as number) / 1000).toFixed(3)}ms`];
  },
  facets: tcpconnectFacets,
};
