import { isIPv4, isIPv6 } from 'node:net';
import { FilterError } from '../event/filter-error.js';

/** Text form of an address from 4 or 16 raw bytes. */
export function formatAddr(bytes: Uint8Array, family: 4 | 6): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // v4-mapped
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff')
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return groups.slice(0, best).join(':') + '::' + groups.slice(best + bestLen).join(':');
}

/** Raw bytes of a textual address. */
export function parseAddr(text: string): { bytes: Uint8Array; family: 4 | 6 } | undefined {
  if (isIPv4(text)) return { bytes: Uint8Array.from(text.split('.').map(Number)), family: 4 };
  if (!isIPv6(text)) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const expand = (part: string | undefined): number[] => {
    if (!part) return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = g.split('.').map(Number);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = expand(head);
  const t = expand(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return { bytes, family: 6 };
}

/** A CIDR block: `10.0.0.0/8`, `::1`, `192.168.1.5`. */
export interface Cidr {
  bytes: Uint8Array;
  family: 4 | 6;
  prefix: number;
}

/** Parses an address or CIDR block; throws FilterError. */
export function parseCidr(text: string): Cidr {
  const [addr = '', bits] = text.split('/');
  const a = parseAddr(addr.replace(/^\[|\]$/g, ''));
  if (!a) throw new FilterError(`daddr: '${text}' is not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)`);
  const max = a.family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits)))
    throw new FilterError(`daddr: prefix length in '${text}' must be 0-${max}`);
  return { ...a, prefix };
}

/** True when `addr` (text) lies in the block. */
export function cidrContains(c: Cidr, addr: string): boolean {
  const a = parseAddr(addr);
  if (!a) return false;
  let bytes = a.bytes;
  if (a.family !== c.family) {
    // match v4 blocks against v4-mapped v6 addresses
    if (c.family === 4 && a.family === 6 && addr.startsWith('::ffff:') && addr.includes('.')) bytes = a.bytes.subarray(12);
    else return false;
  }
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}
