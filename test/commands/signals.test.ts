import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installSignals, type StopRequest } from '../../src/commands/signals.js';

/** A stand-in for `process`: signal and crash listeners, and an exit that records its code. */
function fakeProcess() {
  const p = new EventEmitter() as EventEmitter & { exitCodes: number[]; exit(code: number): never };
  p.exitCodes = [];
  p.exit = (code: number) => {
    p.exitCodes.push(code);
    return undefined as never;
  };
  return p;
}

describe('signals, crash handling and exit: one owner (src/main.ts installs them once)', () => {
  it('listens to SIGINT, SIGTERM and SIGHUP only while a run listens, so Ctrl-C ends a one-shot command the default way', () => {
    const proc = fakeProcess();
    const signals = installSignals(() => {}, proc as unknown as NodeJS.Process);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    const unlisten = signals.onStop(() => {});
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => proc.listenerCount(s))).toEqual([1, 1, 1]);
    unlisten();
    expect(['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => proc.listenerCount(s))).toEqual([0, 0, 0]);
  });

  it('hands a signal to the newest run with its exit code, and an uncaught error as an internal error', () => {
    const proc = fakeProcess();
    const signals = installSignals(() => {}, proc as unknown as NodeJS.Process);
    const outer: StopRequest[] = [];
    const inner: StopRequest[] = [];
    signals.onStop((r) => outer.push(r));
    const unlistenInner = signals.onStop((r) => inner.push(r));
    proc.emit('SIGTERM');
    proc.emit('SIGHUP');
    const boom = new Error('boom');
    proc.emit('uncaughtException', boom);
    expect(inner).toEqual([{ reason: 'SIGTERM', code: 143 }, { reason: 'SIGHUP', code: 129 }, { reason: 'internal error', code: 1, error: boom }]);
    expect(outer).toEqual([]);
    unlistenInner();
    proc.emit('SIGINT');
    expect(outer).toEqual([{ reason: 'SIGINT', code: 130 }]);
  });

  it('an error nothing caught while no run listens goes to the one error line (the fallback), not a stack trace', () => {
    const proc = fakeProcess();
    const seen: unknown[] = [];
    installSignals((e) => seen.push(e), proc as unknown as NodeJS.Process);
    proc.emit('unhandledRejection', 'late');
    expect(seen).toEqual(['late']);
  });

  it('an error that says the terminal is gone (EIO after a hang-up), or a second one while reporting, exits at once instead of writing to it again', () => {
    const proc = fakeProcess();
    const seen: unknown[] = [];
    const quiet: number[] = [];
    installSignals((e) => seen.push(e), proc as unknown as NodeJS.Process, (code) => quiet.push(code));
    proc.emit('uncaughtException', Object.assign(new Error('write EIO'), { code: 'EIO', syscall: 'write' }));
    expect(seen).toEqual([]);
    expect(quiet).toEqual([1]);
    const proc2 = fakeProcess();
    installSignals((e) => seen.push(e), proc2 as unknown as NodeJS.Process, (code) => quiet.push(code));
    proc2.emit('uncaughtException', new Error('first'));
    proc2.emit('uncaughtException', new Error('while reporting the first'));
    expect(seen.map((e) => (e as Error).message)).toEqual(['first']);
    expect(quiet).toEqual([1, 1]);
  });

  it('a run hears once that its terminal is gone: later write errors are echoes, not new crashes to report', () => {
    const proc = fakeProcess();
    const quiet: number[] = [];
    const signals = installSignals(() => {}, proc as unknown as NodeJS.Process, (code) => quiet.push(code));
    const heard: StopRequest[] = [];
    signals.onStop((r) => heard.push(r));
    const eio = () => Object.assign(new Error('write EIO'), { code: 'EIO' });
    proc.emit('SIGHUP');
    for (let i = 0; i < 5; i++) proc.emit('uncaughtException', eio());
    expect(heard.map((r) => r.reason)).toEqual(['SIGHUP', 'internal error']);
    expect(quiet).toEqual([]);
  });

  it('runs exit hooks while registered, and exits with the code', () => {
    const proc = fakeProcess();
    const signals = installSignals(() => {}, proc as unknown as NodeJS.Process);
    let restored = 0;
    const off = signals.onExit(() => restored++);
    proc.emit('exit');
    off();
    proc.emit('exit');
    expect(restored).toBe(1);
    signals.exit(3);
    expect(proc.exitCodes).toEqual([3]);
  });
});
