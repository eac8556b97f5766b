import { escapeTerminal } from '../text/index.js';
import type { Recorder } from '../store/index.js';
import { FleetConnection, ShipStream, fleetTarget, shipCapture } from '../fleet/index.js';
import { asUserError } from './ship-command.js';

/** Seconds between streaming passes of `record --ship` (EBPFSH_SHIP_INTERVAL_MS overrides, in ms). */
const INTERVAL_MS = Number(process.env.EBPFSH_SHIP_INTERVAL_MS) > 0 ? Number(process.env.EBPFSH_SHIP_INTERVAL_MS) : 2000;

/** Checks `--ship URL` and its credentials before anything is attached or created. */
export function checkShipTarget(url: string): void {
  try {
    fleetTarget(url);
  } catch (e) {
    throw asUserError(e);
  }
}

/** `record --ship` around one recording: streams while it records, counts what is left, ships the rest once the capture is final. */
export interface RecordShip {
  /** Before the recorder stops: a last streaming pass; what is still not in the store is journaled in the capture. */
  beforeStop(): Promise<void>;
  /** After the capture is finalized: ships the rest (the stop batch, the process table, lineage, the capture row). Resolves to an exit code. */
  afterStop(): Promise<number>;
}

/** Starts streaming `path` to `url` while `recorder` writes it; outages are journaled in the capture as they happen. */
export function startRecordShip(url: string, path: string, recorder: Recorder, err: (s: string) => void): RecordShip {
  const where = fleetTarget(url).origin;
  let outageAt = 0;
  const stream = new ShipStream({ path, url, intervalMs: INTERVAL_MS }, {
    onOutage(message, pending) {
      outageAt = performance.now();
      const line = `ship: ${message}; ${pending >= 0 ? `${pending} rows` : 'rows'} wait in the capture and ship when it answers`;
      err(escapeTerminal(line));
      recorder.journalError(line);
    },
    onBack(pending) {
      const line = `ship: ${where} answers again after ${((performance.now() - outageAt) / 1000).toFixed(0)} s; shipping the ${pending} rows the capture held`;
      err(escapeTerminal(line));
      recorder.journalError(line);
    },
    onFatal(message) {
      const line = `ship: stopped streaming: ${message}`;
      err(escapeTerminal(line));
      recorder.journalError(line);
    },
  });
  return {
    async beforeStop() {
      const r = await stream.finish();
      if (r.pending !== 0) {
        const n = r.pending > 0 ? `${r.pending} rows` : 'an unknown number of rows';
        const line = `ship: ${n} of this capture were not in ${where} when recording stopped; the capture holds them: ebpfsh ship ${path} --to ${url}`;
        err(escapeTerminal(line));
        recorder.journalError(line);
      }
    },
    async afterStop() {
      const conn = new FleetConnection(fleetTarget(url));
      try {
        const r = await shipCapture(conn, path, { verdict: 'shipped while recording' });
        err(`shipped to ${where}: capture ${r.captureId} complete (${r.sent} rows in the last pass)`);
        return 0;
      } catch (e) {
        err(`${escapeTerminal((e as Error).message)}; the capture holds everything: ebpfsh ship ${escapeTerminal(path)} --to ${escapeTerminal(url)}`);
        return 1;
      } finally {
        await conn.close();
      }
    },
  };
}
