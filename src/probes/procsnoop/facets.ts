import type { ByteString } from '../../event/index.js';
import type { ProbeFacets } from '../types.js';

/** What the rest of ebpfsh asks of procsnoop. */
export const procsnoopFacets: ProbeFacets = {
  // Every lifetime with its start time: the capture's process table is built from these.
  processFact(e) {
    const f = e.fields;
    const life = { startTicks: f.start_ticks as number, parentPid: f.parent_pid as number, parentStartTicks: f.parent_start_ticks as number };
    if (f.event === 'fork') return { kind: 'fork', ...life };
    if (f.event === 'exit') return { kind: 'exit', ...life, exitCode: f.exit_code as number };
    if (f.event === 'exec') return { kind: 'exec', ...life, exe: f.exe as ByteString, argv: f.argv as ByteString[] | null, fullArgv: false };
    return undefined;
  },
};
