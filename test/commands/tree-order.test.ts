import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteString, TraceEvent } from '../../src/event/index.js';
import { formatTree } from '../../src/commands/tree-command.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { openEvent, tempDir } from '../store/helpers.js';

const PID = 5000;
const O_WRONLY_CREAT_TRUNC = 0o1101;

/** An open by the traced process, `i` its order in time. */
function open(i: number, path: ByteString, ret: number, flags = 0): TraceEvent {
  const e = openEvent(i, path, { pid: PID, tid: PID, comm: 'kworker' });
  return { ...e, fields: { ...e.fields, ret, flags } };
}

describe('ebpfsh tree on a capture of a dropper', () => {
  const tmp = tempDir('ebpfsh-tree-order-');
  let path: string;
  beforeAll(async () => {
    path = join(tmp.dir, 'dropper.db');
    const rec = Recorder.create(path, undefined, { toolVersion: 'test', reserveBytes: 0, commandLine: ['ebpfsh', 'record'] });
    await rec.whenReady();
    const events: TraceEvent[] = [];
    let i = 0;
    // A process start: the loader's opens, then what a Python runtime probes for.
    for (let k = 0; k < 30; k++) events.push(open(i++, k % 3 ? `/usr/lib/x86_64-linux-gnu/lib${k}.so.6` : `/usr/lib/locale/C.utf8/LC_${k}`, 3));
    events.push(open(i++, '/usr/pyvenv.cfg', -2));
    for (let k = 0; k < 11; k++) events.push(open(i++, `/tmp/work/read-${k}`, 3));
    events.push(open(i++, '/etc/shadow', -13));
    // The drop: last in time, first in the list.
    events.push(open(i++, '/tmp/.x/kworker', 3, O_WRONLY_CREAT_TRUNC));
    rec.record(events as never);
    await rec.stop();
    const db = new Database(path);
    const boot = db.prepare('SELECT boot_id FROM capture').pluck().get();
    db.exec('DELETE FROM processes');
    const add = db.prepare("INSERT INTO processes (boot_id, pid, start_ticks, start_ns, parent_pid, parent_start_ticks, uid, comm, source) VALUES (?, ?, ?, ?, ?, ?, 1000, ?, 'fork')");
    add.run(boot, PID, 100, null, null, null, 'kworker');
    // pid wrap-around: the later children have the smaller pids.
    add.run(boot, 32001, 200, null, PID, 100, 'first');
    add.run(boot, 301, 300, null, PID, 100, 'second');
    // Two children in the same clock tick: start_ns orders them.
    add.run(boot, 302, 400, 4_000_002_000, PID, 100, 'fourth');
    add.run(boot, 32002, 400, 4_000_001_000, PID, 100, 'third');
    db.close();
  });
  afterAll(() => tmp.cleanup());

  async function tree(): Promise<string[]> {
    const r = CaptureReader.open(path);
    try {
      return (await formatTree(r, PID)).split('\n');
    } finally {
      r.close();
    }
  }

  it('lists the write of the dropped file first, with its flags, then the failed open of a sensitive path', async () => {
    const opens = (await tree()).filter((l) => /^\s+open /.test(l));
    expect(opens[0]).toMatch(/ 3 O_WRONLY\|O_CREAT\|O_TRUNC \/tmp\/\.x\/kworker$/);
    expect(opens[1]).toMatch(/EACCES.* O_RDONLY \/etc\/shadow$/);
  });

  it('lists other files before libraries and never a library while other opens are cut', async () => {
    const opens = (await tree()).filter((l) => /^\s+open {4}\d/.test(l));
    expect(opens).toHaveLength(10);
    expect(opens[2]).toMatch(/ENOENT.* O_RDONLY \/usr\/pyvenv\.cfg$/);
    expect(opens.some((l) => /\.so|locale/.test(l))).toBe(false);
  });

  it('counts what it cut, per kind', async () => {
    // 12 other files, 8 listed; 30 library and locale opens.
    expect((await tree()).map((l) => l.trim())).toContain('… 34 more opens: 4 other, 30 libraries (query the capture)');
  });

  it('lists children in start order, not pid order, across a pid wrap-around and within one clock tick', async () => {
    const kids = (await tree()).map((l) => /├ (\d+) (\w+)/.exec(l)?.[2]).filter(Boolean);
    expect(kids).toEqual(['first', 'second', 'third', 'fourth']);
  });
});
