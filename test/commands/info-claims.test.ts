import { describe, expect, it } from 'vitest';
import { formatInfo } from '../../src/commands/info-command.js';
import type { CaptureInfo, ChainStatus } from '../../src/store/index.js';
import { replayHeader } from '../../src/tui/replay/replay-header.js';

const info = (over: Partial<CaptureInfo>): CaptureInfo => ({
  path: 'x.db', schemaVersion: 4, toolVersion: '0.1.0', hostname: 'web1', kernelRelease: '6.1.0', bootId: 'b', clockOffsetNs: 1.7e18,
  startNs: 1e12, startTime: '', endNs: 1e12 + 60e9, endTime: '', cleanStop: true, stopReason: 'user', commandLine: ['ebpfsh', '-w', 'x.db'],
  gap: null, counts: { exec: 3, open: 0 }, losses: [], snapshot: false, unfinished: null, ...over,
});
const unclean = { cleanStop: false, endNs: null, gap: { startNs: 1e12 + 30e9, endNs: null } } as const;
const open: ChainStatus = { state: 'open', batches: 4, reason: 'no manifest: the recording did not stop cleanly' };
const COMPLETE = /every event the kernel produced was recorded|nothing lost/;

describe('readers claim completeness only where they checked it', () => {
  it('a clean stop with no loss rows: every event recorded', () => {
    expect(formatInfo(info({}), [], [], { state: 'sealed', batches: 4 })).toMatch(/^losses\s+none: every event the kernel produced was recorded$/m);
    expect(replayHeader(info({}), 1e12 + 60e9).clean).toMatch(/nothing lost/);
  });

  it('a clean stop whose chain is broken: only what the loss rows say', () => {
    const text = formatInfo(info({}), [], [], { state: 'broken', batches: 4, reason: 'exec does not end at the manifest\'s count' });
    expect(text).not.toMatch(COMPLETE);
    expect(text).toMatch(/^losses\s+recorded: none; the integrity chain is broken, so rows may have been removed \(run ebpfsh verify\)$/m);
  });

  it('a recorder that died: losses recorded none, events after the last commit may be missing', () => {
    const text = formatInfo(info({ ...unclean, stopReason: 'recorder died', unfinished: { reason: 'died', recorderPid: 42, walMissing: false } }), [], [], open);
    expect(text).toMatch(/WARNING\s+unclean stop \(recorder died\): events after .* may be missing/);
    expect(text).toMatch(/^losses\s+recorded: none; events after the last commit may be missing$/m);
    expect(text).not.toMatch(COMPLETE);
  });

  it.each([
    ['recording', true, /the recorder \(pid 42\) is still running on this host; no -wal beside this file/],
    ['recording', false, /the recorder \(pid 42\) is still running on this host\n/],
    ['no-wal', true, /^ {10}no -wal beside this file: rows committed since its last checkpoint are not in it$/m],
  ] as const)('not finalized (%s, -wal missing: %s): says so, and what it could check', (reason, walMissing, detail) => {
    const i = info({ ...unclean, stopReason: null, unfinished: { reason, recorderPid: 42, walMissing } });
    const text = formatInfo(i, [], [], open);
    expect(text).toMatch(/^WARNING\s+not finalized: still being written, or copied without its -wal: copy both, or wait for the stop$/m);
    expect(text).toMatch(detail);
    expect(text).toMatch(/^span\s+.* -> unknown: not finalized$/m);
    expect(text).toMatch(/^integrity incomplete: chain of 4 batches so far in this file, no manifest yet: the recording is not finalized/m);
    expect(text).toMatch(/^events\s+exec 3 so far in this file/m);
    expect(text).not.toMatch(/unclean stop|recorder died|did not stop cleanly/);
    expect(text).not.toMatch(COMPLETE);
    const h = replayHeader(i, 1e12 + 30e9);
    expect(h.warnings.join('\n')).toMatch(/^NOT FINALIZED: still being written, or copied without its -wal: copy both, or wait for the stop; events after [\d:.]+ may be missing/m);
  });
});
