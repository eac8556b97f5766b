import { escapeTerminal } from './escape.js';

/** A user or group name to show for a number (the kind is part of the key: uid 1000 and gid 1000 differ). */
export interface NameEntry {
  kind: 'user' | 'group';
  num: number;
  name: string;
}

let users = new Map<number, string>();
let groups = new Map<number, string>();

/**
 * Sets the names every view shows beside a uid or gid: this host's in the
 * live shell, the capture's host's in a reader (names differ across hosts).
 * One terminal shows one source at a time, like the display zone.
 */
export function setHostNames(entries: readonly NameEntry[]): void {
  users = new Map();
  groups = new Map();
  // The first entry for a number wins, as getpwuid(3) returns the first match.
  for (const e of entries) {
    const m = e.kind === 'user' ? users : groups;
    if (!m.has(e.num)) m.set(e.num, e.name);
  }
}

/** `cloudsdk(1000)` for a uid with a known name (escaped: a name is data from the traced host), else the number as text. */
export function userLabel(uid: unknown): string {
  return label(users, uid);
}

/** `staff(50)` for a gid with a known name, else the number. */
export function groupLabel(gid: unknown): string {
  return label(groups, gid);
}

function label(m: Map<number, string>, n: unknown): string {
  if (typeof n !== 'number') return escapeTerminal(String(n ?? '?'));
  const name = m.get(n);
  return name === undefined ? String(n) : `${escapeTerminal(name)}(${n})`;
}
