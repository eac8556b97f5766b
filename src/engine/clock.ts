/** Turns kernel CLOCK_MONOTONIC nanoseconds into wall-clock time. */
export interface Clock {
  /** wall ns = monotonic ns + offsetNs (sampled once; both clocks tick alike). */
  offsetNs: number;
}

/** Samples the offset between CLOCK_REALTIME and CLOCK_MONOTONIC now. */
export function sampleClock(): Clock {
  // process.hrtime is CLOCK_MONOTONIC on Linux, the clock bpf_ktime_get_ns uses.
  const before = process.hrtime.bigint();
  const wall = BigInt(Date.now()) * 1_000_000n;
  const after = process.hrtime.bigint();
  return { offsetNs: Number(wall - (before + after) / 2n) };
}

/** Current kernel monotonic time in ns. */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** ISO wall time of a kernel timestamp. */
export function wallTime(clock: Clock, tsNs: number): Date {
  return new Date(Math.floor((tsNs + clock.offsetNs) / 1e6));
}
