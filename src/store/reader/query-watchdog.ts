import { spawn } from 'node:child_process';

/**
 * The time limit of a query run on this process's own thread (a one-shot
 * `ebpfsh query`), where SQLite cannot be interrupted: a small `sh` that
 * waits on a pipe from us. If the limit passes first it prints `message` on
 * stderr and kills this process; when we stop it (or die) the pipe closes and
 * it exits without doing anything, so it never outlives us to kill a reused
 * pid. Costs ~2 ms of CPU, against ~50 ms for a query process of its own.
 * Arguments reach the script as positional parameters, never pasted into it.
 */
export function startWatchdog(limitMs: number, message: string): { stop(): void } {
  const script = 'timeout "$1" cat >/dev/null; [ $? -eq 124 ] && { printf "%s\\n" "$2" >&2; kill -KILL "$3"; }';
  const sh = spawn('/bin/sh', ['-c', script, 'ebpfsh-watchdog', (limitMs / 1000).toFixed(3), message, String(process.pid)], { stdio: ['pipe', 'ignore', 'inherit'] });
  sh.on('error', () => undefined); // no /bin/sh: the limit is not enforced, the query still runs
  sh.stdin?.on('error', () => undefined);
  sh.unref();
  return {
    stop() {
      // destroy, not end: it closes the pipe now (end waits for the event loop, which a caller may block next)
      sh.stdin?.destroy();
    },
  };
}
