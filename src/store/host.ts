import { readFileSync } from 'node:fs';
import { hostname, release } from 'node:os';

/** Facts about the traced machine that a capture records. */
export interface HostFacts {
  hostname: string;
  kernelRelease: string;
  bootId: string;
}

/** This machine's host name, kernel release and boot id. */
export function hostFacts(): HostFacts {
  let bootId = 'unknown';
  try {
    bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // no procfs: pids and timestamps cannot be tied to a boot
  }
  return { hostname: hostname(), kernelRelease: release(), bootId };
}

/** The host facts a capture keeps in host_facts: this machine's IANA time zone and its UTC offset (minutes east) at `atMs`. */
export function hostZoneFacts(atMs: number): [key: string, value: string][] {
  const out: [string, string][] = [];
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) out.push(['time_zone', zone]);
  out.push(['utc_offset_minutes', String(-new Date(atMs).getTimezoneOffset())]);
  return out;
}

/** CLOCK_BOOTTIME - CLOCK_MONOTONIC in ns (time spent suspended), from /proc/uptime (10 ms precision). */
export function bootOffsetNs(): number {
  try {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.max(0, Math.round(up * 1e9 - Number(process.hrtime.bigint())));
  } catch {
    return 0;
  }
}
