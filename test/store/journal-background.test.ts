import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Attachment } from '../../src/engine/index.js';
import { processTableProbe, PROBES } from '../../src/probes/index.js';
import { BACKGROUND_ATTACH_DETAIL, CaptureReader, Recorder, isBackgroundAttach } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

const attachment = (i: number): Attachment => ({ probe: PROBES[i]!, filters: { clauses: [] }, attachPoints: ['tp_btf/x'], missing: [], attachedAt: 0, attachMs: 1 });

// Replay hides the probe a capture attached for itself: the reader says which
// one it was as a typed flag of the journal row, not each consumer by matching text.
describe('the journal flags the capture\'s own process-table attach', () => {
  const t = tempDir('ebpfsh-journal-bg-');
  afterAll(() => t.cleanup());

  it('reader.journal() marks the background attach and nothing else', async () => {
    const path = join(t.dir, 'bg.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test' });
    await rec.whenReady();
    const table = processTableProbe()!;
    rec.journalAttach({ ...attachment(PROBES.indexOf(table)), missing: ['exec'] }, BACKGROUND_ATTACH_DETAIL);
    rec.journalAttach(attachment(0));
    rec.journalError(`${table.name} could not attach: no`, table);
    await rec.stop();
    const r = CaptureReader.open(path);
    const rows = r.journal().filter((j) => j.probe !== null && j.probe !== undefined);
    r.close();
    expect(rows.map((j) => [j.action, j.probe, j.background])).toEqual([
      ['attach', table.name, true],
      ['attach', PROBES[0]!.name, false],
      ['error', table.name, false],
    ]);
  });

  it('reads the flag from captures written before it had a name (detail "process table; ..."), and a v1 capture has none', () => {
    expect(isBackgroundAttach({ action: 'attach', detail: 'process table; without exec; every event' })).toBe(true);
    expect(isBackgroundAttach({ action: 'attach', detail: 'process tables' })).toBe(false);
    expect(isBackgroundAttach({ action: 'detach', detail: 'process table' })).toBe(false);
    const v1 = join(t.dir, 'v1.db');
    copyFileSync(new URL('../fixtures/store/v1-capture.db', import.meta.url), v1);
    const r = CaptureReader.open(v1);
    const journal = r.journal();
    r.close();
    expect(journal.length).toBeGreaterThan(0);
    expect(journal.every((j) => j.background === false)).toBe(true);
  });
});
