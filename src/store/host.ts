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

/** CLOCK_BOOTTIME - CLOCK_MONOTONIC in ns (time spent suspended), from /proc/uptime (10 ms precision). */
export function bootOffsetNs(): number {
  try {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.max(0, Math.round(up * 1e9 - Number(process.hrtime.bigint())));
  } catch {
    return 0;
  }
}
