import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeKernel, hasCommand } from '../helpers/kernel.js';
import { CaptureReader, isLookBack } from '../../src/store/index.js';
import { Tmux, readIfExists } from './tmux.js';

const BIN = join(new URL('../..', import.meta.url).pathname, 'bin/ebpfsh');
const sessions: Tmux[] = [];

afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

describeKernel('the flight ring end to end (tmux, real kernel)', () => {
  it('activity in the shell before :record --since 2m is in the capture, marked as look-back', async () => {
    expect(hasCommand('tmux')).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-e2e-ring-'));
    chmodSync(dir, 0o755);
    const t = new Tmux();
    sessions.push(t);
    t.start(`cd ${dir} && exec env EBPFSH_HISTORY=${dir}/history ${BIN} 2>${dir}/stderr`);
    await t.waitFor(/ring \d+s/); // the status line shows the ring's span from the start

    // procsnoop too: its fork/exec/exit events in the ring give the capture rows for processes that exited before recording
    t.type(':attach execve,procsnoop uid=1000');
    await t.waitFor(/execsnoop uid=1000 \d.* │ procsnoop uid=1000 \d/);
    t.runElsewhere('setpriv --reuid=1000 --regid=1000 --clear-groups /bin/true lookback-marker');
    await t.waitFor('/bin/true lookback-marker');

    // Only now does recording start: the exec above happened before it.
    t.type(':record x.db --since 2m');
    await t.waitFor(/took \d+ events? from the ring/);
    t.runElsewhere('setpriv --reuid=1000 --regid=1000 --clear-groups /bin/true live-marker');
    await t.waitFor('/bin/true live-marker');
    t.type(':stop');
    await t.waitFor(`stopped: ${dir}/x.db, `); // the absolute path
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    expect(readIfExists(join(dir, 'stderr'))).toMatch(/:quit: detached 2 probes/);

    const file = join(dir, 'x.db');
    const db = new Database(file, { readonly: true });
    const r = CaptureReader.open(file);
    try {
      const info = r.info();
      expect(info.cleanStop).toBe(true);
      const start = info.startNs;
      const rows = db.prepare("SELECT ts, uid, argv FROM exec WHERE argv LIKE '%-marker%' ORDER BY ts").all() as { ts: number; uid: number; argv: string }[];
      expect(rows.map((x) => JSON.parse(x.argv))).toEqual([['/bin/true', 'lookback-marker'], ['/bin/true', 'live-marker']]);
      expect(rows[0]!.uid).toBe(1000);
      expect(rows[0]!.ts).toBeGreaterThanOrEqual(start);
      // The look-back window: the start row says where recording really began; the exec lies before it.
      const journal = r.journal();
      const began = Number(/recording began at (\d+)/.exec(String(journal.find((j) => j.action === 'start')!.detail))![1]);
      expect(rows[0]!.ts).toBeLessThan(began);
      expect(rows[1]!.ts).toBeGreaterThan(began);
      const look = journal.filter((j) => isLookBack(j));
      expect(look.map((j) => `${j.action} ${j.probe} ${j.filters}`).sort()).toEqual(['attach execsnoop uid=1000', 'attach procsnoop uid=1000']);
      expect(look[0]!.ts).toBeLessThan(rows[0]!.ts);
      // the process that ran and exited before recording has its row, from the ring's lifecycle events
      const proc = db.prepare("SELECT uid, exit_ns, exit_code FROM processes WHERE argv LIKE '%lookback-marker%'").all() as { uid: number; exit_ns: number | null; exit_code: number }[];
      expect(proc).toHaveLength(1);
      expect(proc[0]).toMatchObject({ uid: 1000, exit_code: 0 });
      expect(proc[0]!.exit_ns).toBeLessThan(began);
      expect(info.losses.filter((l) => l.cause === 'ring_evicted')).toEqual([]);
    } finally {
      db.close();
      r.close();
    }
  }, 60_000);
});
