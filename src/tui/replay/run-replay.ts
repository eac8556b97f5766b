import type { Signals } from '../../commands/signals.js';
import { prepareInk } from '../terminal.js';

/** Starts `ebpfsh replay FILE` (see replay-app.ts); React and ink load only here, as for the live shell. */
export async function runReplay(path: string, signals: Signals): Promise<number> {
  prepareInk();
  const { runReplayApp } = await import('./replay-app.js');
  return runReplayApp(path, signals);
}
