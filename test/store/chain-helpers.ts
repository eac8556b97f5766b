import { join } from 'node:path';
import type { TraceEvent } from '../../src/event/index.js';
import { findProbe } from '../../src/probes/index.js';
import { Recorder } from '../../src/store/index.js';
import { waitFor } from '../helpers/kernel.js';
import { execEvent, openEvent } from './helpers.js';

/** A procsnoop lifecycle event (fork, exec or exit) of pid `pid`. */
export function lifeEvent(i: number, pid: number, event: 'fork' | 'exec' | 'exit'): TraceEvent {
  return {
    ...openEvent(i),
    pid,
    tid: pid,
    probe: 'procsnoop',
    comm: event === 'exec' ? 'sleep' : 'sh',
    fields: { event, ret: 0, exit_code: event === 'exit' ? 0 : null, parent_pid: 1, start_ticks: 5000 + pid, parent_start_ticks: 1, exe: event === 'exec' ? '/bin/sleep' : null, argv: event === 'exec' ? ['sleep', '1'] : null, truncated: 0 },
  };
}

/**
 * Records a capture through the real Recorder in several committed batches:
 * journal, seeded and event-made process rows (inserted, then changed in
 * later batches), opens, execs, a note; stops cleanly unless `stop` is false.
 */
export async function recordChained(dir: string, name = 'chain.db', opts: { signKey?: string; batches?: number; stop?: boolean } = {}): Promise<{ path: string; rec: Recorder }> {
  const path = join(dir, name);
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record', '-w', path], reserveBytes: 0, batchMs: 5, signKey: opts.signKey });
  await rec.whenReady();
  rec.journalAttach({ probe: findProbe('opensnoop')!, filters: { clauses: [] }, attachPoints: ['tp_btf/x'], missing: [], attachedAt: Date.now(), attachMs: 1 });
  rec.seedProcesses();
  let i = 0;
  const batches = opts.batches ?? 5;
  for (let b = 0; b < batches; b++) {
    const events: TraceEvent[] = [];
    for (let k = 0; k < 200; k++, i++) events.push(openEvent(i));
    events.push(execEvent(i++, ['ls', '-l', Uint8Array.from([0x80, 0x41])]));
    // Odd values: exact bytes in raw twins, non-ASCII, a value the writer's own digest declines (read back instead).
    events.push(openEvent(i++, Uint8Array.from([0x2f, 0xff, 0x41])), openEvent(i++, '/tmp/\u00e9\ud83d\ude00'), openEvent(i++, '/tmp/lone \ud800'), openEvent(i++, '/big', { cgroup: 2 ** 60 + b * 4096 }));
    events.push(lifeEvent(i++, 70000 + b, 'fork'), lifeEvent(i++, 70000 + b, 'exec'));
    // The previous batch's process exits now: a row changed after the batch that inserted it.
    if (b > 0) events.push(lifeEvent(i++, 70000 + b - 1, 'exit'));
    if (b === 2) rec.note('suspicious');
    const before = rec.stats().batches;
    rec.record(events);
    await waitFor(() => rec.stats().batches > before, 5000, 'a committed batch');
  }
  if (opts.stop !== false) await rec.stop('test');
  return { path, rec };
}
