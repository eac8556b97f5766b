import { constants } from 'node:os';
import { FilterError } from '../event/filter-error.js';

/** The highest signal number Linux has (SIGRTMAX). */
export const SIGNAL_MAX = 64;

const names = new Map<number, string>();
const numbers = new Map<string, number>();
for (const [name, n] of Object.entries(constants.signals)) {
  if (!names.has(n)) names.set(n, name); // the first of aliases (SIGABRT before SIGIOT, SIGIO before SIGPOLL)
  numbers.set(name.slice(3), n);
}

/** `SIGKILL` for 9; `SIG34` for a real-time or unknown signal; `0` for the existence probe of kill(pid, 0). */
export function signalName(sig: number): string {
  if (sig === 0) return '0';
  return names.get(sig) ?? `SIG${sig}`;
}

/** Parses a signal for filter key `key`: `KILL`, `SIGKILL`, `sigkill`, `9` (and `SIG34`, `0`). */
export function parseSignal(key: string, value: string): number {
  const v = value.toUpperCase();
  const bare = v.startsWith('SIG') ? v.slice(3) : v;
  const n = /^\d+$/.test(bare) ? Number(bare) : numbers.get(bare);
  if (n === undefined || n > SIGNAL_MAX)
    throw new FilterError(`${key}: '${value}' is not a signal name or a number 0-${SIGNAL_MAX} (e.g. ${key}=KILL, ${key}=SIGTERM, ${key}=9)`);
  return n;
}
