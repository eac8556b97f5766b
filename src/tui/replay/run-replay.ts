/**
 * Starts `ebpfsh replay FILE` (see replay-app.ts). React and ink load only
 * here, in production mode, as for the live shell.
 */
export async function runReplay(path: string): Promise<number> {
  process.env.NODE_ENV ??= 'production';
  const { runReplayApp } = await import('./replay-app.js');
  return runReplayApp(path);
}
