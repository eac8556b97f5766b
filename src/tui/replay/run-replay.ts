import { prepareInk } from '../terminal.js';

/** Starts `ebpfsh replay FILE` (see replay-app.ts); React and ink load only here, as for the live shell. */
export async function runReplay(path: string): Promise<number> {
  prepareInk();
  const { runReplayApp } = await import('./replay-app.js');
  return runReplayApp(path);
}
