import type { CaptureReader } from '../store/index.js';

/** A note of the capture, numbered from 1 as `:goto note N` and `:notes` show it. */
export interface ReplayNote {
  n: number;
  ts: number;
  text: string;
}

/**
 * The replay clock and stream that `:goto`, `:speed`, `:step`, `:play` and
 * `:pause` drive in `ebpfsh replay` (absent in the live shell). Times are the
 * capture's kernel monotonic ns; wall-clock ns = ns + offsetNs.
 */
export interface ReplayControl {
  /** The capture being replayed (read-only). */
  readonly reader: CaptureReader;
  /** The replay position: events at or before it have been shown. */
  now(): number;
  /** First and last instants of the capture, and its monotonic -> wall offset. */
  span(): { startNs: number; endNs: number; offsetNs: number };
  /** Replay speed: 1, 10, 100, ... or Infinity (as fast as possible). */
  speed(): number;
  setSpeed(speed: number): void;
  playing(): boolean;
  setPlaying(playing: boolean): void;
  /** Shows the next `n` events and pauses; returns how many there were. */
  step(n: number): number;
  /** Moves the replay position to `ns` (the view restarts there, with the events just before it). */
  seek(ns: number): Promise<void>;
  /** The capture's notes, in time order. */
  notes(): ReplayNote[];
}
