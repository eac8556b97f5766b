import { Engine, type EngineOptions, type TraceEvent } from '../../src/engine/index.js';
import { parseFilters } from '../../src/event/index.js';
import { type ProbeSpec } from '../../src/probes/index.js';

/** A real engine with one probe attached, collecting every event it delivers. */
export function startSession(probe: ProbeSpec, filters: string[], opts: EngineOptions = {}) {
  const engine = new Engine(opts);
  const events: TraceEvent[] = [];
  engine.onEvents((evs) => events.push(...evs));
  const attachment = engine.attach(probe, parseFilters(filters, [probe]));
  return { engine, events, attachment };
}

/** Text of a string field (tests use ASCII). */
export const str = (v: unknown): string => (typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('latin1'));

/** Sleeps. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
