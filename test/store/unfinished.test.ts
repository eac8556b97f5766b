import { describe, expect, it } from 'vitest';
import { hostFacts } from '../../src/store/host.js';
import { classifyUnfinished, recorderRunning } from '../../src/store/reader/unfinished.js';

const boot = hostFacts().bootId;
const now = () => Number(process.hrtime.bigint());

describe('why a capture has no end', () => {
  it('a recorder is running only on the same boot, alive, and started before the capture (a reused pid is not it)', () => {
    expect(recorderRunning(process.pid, boot, now())).toBe(true);
    expect(recorderRunning(process.pid, 'another-boot', now())).toBe(false);
    expect(recorderRunning(process.pid, boot, 0)).toBe(false); // this process started long after a capture begun at boot
    expect(recorderRunning(4_194_304, boot, now())).toBe(false);
    expect(recorderRunning(-1, boot, now())).toBe(false);
  });

  it('no live recorder: a WAL-form file without its -wal was copied without it; with it, the recorder died', () => {
    const gone = { recorderPid: 4_194_304, bootId: boot, startNs: now() };
    expect(classifyUnfinished(gone, { walForm: true, walBeside: false })).toEqual({ reason: 'no-wal', recorderPid: 4_194_304, walMissing: true });
    expect(classifyUnfinished(gone, { walForm: true, walBeside: true }).reason).toBe('died');
    expect(classifyUnfinished(gone, { walForm: false, walBeside: false }).reason).toBe('died');
    expect(classifyUnfinished({ ...gone, recorderPid: process.pid }, { walForm: true, walBeside: false })).toEqual({ reason: 'recording', recorderPid: process.pid, walMissing: true });
  });
});
