// The addon's exit, not the engine's index: installing the handlers must not load the whole engine.
import { exitWithoutTerminal } from '../engine/native.js';

/** Why a run is asked to stop from outside its own input: a signal, or an error nothing caught. */
export interface StopRequest {
  reason: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'internal error';
  /** The conventional exit code: 128 + signal number, 1 for an error. */
  code: number;
  /** The uncaught error, for 'internal error'. */
  error?: unknown;
}

/**
 * The process's signals, crash handling and exit, owned by src/main.ts (the
 * one place that calls installSignals) and handed to every long run: trace,
 * record, the shell, replay and the dashboard.
 */
export interface Signals {
  /** Routes SIGINT, SIGTERM, SIGHUP and uncaught errors to `handler` (the newest one) until the returned function is called. */
  onStop(handler: (r: StopRequest) => void): () => void;
  /** Runs `f` if the process exits while it is registered (a last resort: never leave the terminal raw). */
  onExit(f: () => void): () => void;
  /** Ends the process; with `terminalGone` (a hang-up) without Node's own terminal reset, which aborts on EIO. */
  exit(code: number, how?: { terminalGone?: boolean }): never;
}

const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** An error that says the terminal (or the pipe) we write to is gone: a hang-up, a closed pty, a reader that left. */
function terminalGone(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'EIO' || code === 'EPIPE' || code === 'ENXIO';
}

/**
 * Installs the process handlers once. Signal listeners are present only while
 * a run listens (so Ctrl-C still ends `ebpfsh probes` the default way); an
 * error nothing caught goes to the newest run, or to `fallback` (the CLI's one
 * error line) when none is running, or straight to `exitQuietly` when the
 * terminal is gone or the fallback itself failed.
 */
export function installSignals(fallback: (e: unknown) => void, proc: NodeJS.Process = process, exitQuietly: (code: number) => void = exitWithoutTerminal): Signals {
  const handlers: ((r: StopRequest) => void)[] = [];
  const dispatch = (r: StopRequest) => handlers.at(-1)?.(r);
  const onSignal = Object.fromEntries(
    (Object.keys(SIGNAL_CODES) as (keyof typeof SIGNAL_CODES)[]).map((sig) => [sig, () => dispatch({ reason: sig, code: SIGNAL_CODES[sig] })]),
  ) as Record<keyof typeof SIGNAL_CODES, () => void>;
  let reporting = false;
  let goneTold = false;
  const onCrash = (error: unknown) => {
    const gone = terminalGone(error);
    if (handlers.length) {
      // A vanished terminal fails every later write too, and each failure is
      // one more uncaught error (on the nextTick queue, which would starve the
      // run's own promises): the run hears of it once.
      if (gone && goneTold) return;
      goneTold ||= gone;
      return dispatch({ reason: 'internal error', code: 1, error });
    }
    // Nothing runs: say it once, unless the terminal is gone or saying it failed.
    if (reporting || gone) return exitQuietly(1);
    reporting = true;
    fallback(error);
  };
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  const listen = (on: boolean) => {
    for (const [sig, h] of Object.entries(onSignal)) on ? proc.on(sig, h) : proc.off(sig, h);
  };
  return {
    onStop(handler) {
      if (handlers.length === 0) listen(true);
      handlers.push(handler);
      return () => {
        const i = handlers.lastIndexOf(handler);
        if (i < 0) return;
        handlers.splice(i, 1);
        if (handlers.length === 0) listen(false);
      };
    },
    onExit(f) {
      proc.on('exit', f);
      return () => proc.off('exit', f);
    },
    exit(code, how = {}) {
      if (how.terminalGone) exitWithoutTerminal(code);
      return proc.exit(code);
    },
  };
}
