import { readFileSync } from 'node:fs';

/** One user or group name of this host, as /etc/passwd or /etc/group says. */
export interface HostName {
  kind: 'user' | 'group';
  num: number;
  name: string;
}

/** Entries read per file at most: a host with more is cut there (the rest show as bare numbers). */
export const MAX_NAMES = 65_536;

/** `name:x:num:...` lines of a passwd/group file; lines that are not one are skipped (NSS-only names are not in them). */
export function parseNames(text: string, kind: 'user' | 'group'): HostName[] {
  const out: HostName[] = [];
  for (const line of text.split('\n')) {
    if (out.length >= MAX_NAMES) break;
    const f = line.split(':');
    if (f.length < 3 || !f[0] || f[0].startsWith('#') || f[0].startsWith('+') || f[0].startsWith('-')) continue;
    const num = Number(f[2]);
    if (!/^\d+$/.test(f[2]!) || !Number.isSafeInteger(num) || num > 0xffffffff) continue;
    out.push({ kind, num, name: f[0].slice(0, 256) });
  }
  return out;
}

/** This host's users and groups from /etc/passwd and /etc/group (an unreadable file gives none of its kind). */
export function hostNames(root = '/etc'): HostName[] {
  const read = (f: string) => {
    try {
      return readFileSync(`${root}/${f}`, 'utf8');
    } catch {
      return '';
    }
  };
  return [...parseNames(read('passwd'), 'user'), ...parseNames(read('group'), 'group')];
}
