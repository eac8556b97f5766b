import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCaptureControl } from '../../src/session/index.js';
import { recorderCaptureFactory } from '../../src/session/index.js';
import { tempDir } from '../store/helpers.js';
import { FakeEngine } from '../tui/fake-engine.js';

// A failure in a path that feeds the evidence (here: the process table's own
// probe) must be in the capture, not swallowed: an analyst reading the capture
// later has to know its process table only holds what /proc showed at start.
describe('a swallowed failure in an evidence path is a journal line', () => {
  const t = tempDir('ebpfsh-evj-');
  afterAll(() => t.cleanup());

  it(':record whose procsnoop cannot attach journals why', async () => {
    const engine = new FakeEngine();
    engine.failNext = 'cannot attach procsnoop: permission denied';
    const control = createCaptureControl(engine, recorderCaptureFactory, ['ebpfsh']);
    const path = join(t.dir, 'noproc.db');
    await control.start(path);
    await control.stop();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT probe, detail FROM journal WHERE action = 'error'").all();
    db.close();
    expect(rows).toEqual([{ probe: 'procsnoop', detail: expect.stringMatching(/^procsnoop could not attach: .*permission denied/) }]);
  });
});
