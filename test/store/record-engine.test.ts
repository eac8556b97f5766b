import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { parseFilters } from '../../src/event/index.js';
import { findProbe } from '../../src/probes/index.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';

describeKernel('recording real events from the engine and querying them back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-rec-'));
  const path = join(dir, 'real.db');
  const target = join(dir, 'opened-by-test.txt');
  let child = { pid: 0, code: null as number | null };
  let cat = { pid: 0 };
  let engine: Engine;

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    engine = new Engine();
    const rec = Recorder.create(path, engine, { toolVersion: 'test', commandLine: ['test'] });
    await rec.whenReady();
    const proc = engine.attach(findProbe('procsnoop')!, { clauses: [] });
    rec.journalAttach(proc, 'process table');
    rec.seedProcesses();
    const open = findProbe('opensnoop')!;
    const exec = findProbe('execsnoop')!;
    const a1 = engine.attach(open, parseFilters([`path=${dir}/`], [open]));
    rec.journalAttach(a1);
    const a2 = engine.attach(exec, parseFilters(['uid=65534'], [exec]));
    rec.journalAttach(a2);
    closeSync(openSync(target, 'w'));
    // ebpfsh never traces its own process: the opens come from a child.
    cat = await run('cat', [target]);
    child = await run('sh', ['-c', '/bin/true; exit 7'], { uid: 65534 });
    rec.note('after the child');
    await waitFor(() => engine.counters().find((c) => c.probe === 'execsnoop')!.events >= 1, 5000, 'exec event');
    rec.journalFilter(engine.setFilters(open, parseFilters(['uid=4242'], [open])));
    engine.detach(exec);
    rec.journalDetach(a2);
    await new Promise((r) => setTimeout(r, 150));
    const res = await rec.stop('test done');
    expect(res.error).toBeUndefined();
  });
  afterAll(() => {
    engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the opens and the exec with typed columns', async () => {
    const r = CaptureReader.open(path);
    const opens = await r.query('SELECT path, typeof(uid), ret >= 0, pid, comm FROM open WHERE path = ?', { params: [target] });
    expect(opens.rows).toEqual([[target, 'integer', 1, cat.pid, 'cat']]);
    const execs = await r.query('SELECT uid, argv, exe FROM exec WHERE uid = 65534 AND ret = 0 ORDER BY ts');
    expect(execs.rows).toEqual([
      [65534, '["sh","-c","/bin/true; exit 7"]', '/usr/bin/dash'],
      [65534, '["/bin/true"]', '/usr/bin/true'],
    ]);
    r.close();
  });

  it('journals attach, filter change and detach with where each clause ran', () => {
    const r = CaptureReader.open(path);
    const j = r.journal().map((x) => [x.action, x.probe, x.filters, x.clauses]);
    expect(j).toContainEqual(['attach', 'procsnoop', '', '[]']);
    expect(j).toContainEqual(['attach', 'execsnoop', 'uid=65534', '[{"clause":"uid=65534","where":"kernel"}]']);
    expect(j).toContainEqual(['attach', 'opensnoop', `path=${dir}/`, `[{"clause":"path=${dir}/","where":"userspace"}]`]);
    expect(j).toContainEqual(['filter', 'opensnoop', 'uid=4242', '[{"clause":"uid=4242","where":"kernel"}]']);
    expect(j).toContainEqual(['detach', 'execsnoop', null, null]);
    expect(j.at(-1)![0]).toBe('stop');
    expect(r.notes().map((n) => n.text)).toEqual(['after the child']);
    r.close();
  });

  it('keeps the process table: the child with its exit status and a parent chain to init', () => {
    const r = CaptureReader.open(path);
    const p = r.process(child.pid)!;
    expect(p).toMatchObject({ exe: '/usr/bin/dash', argv: ['sh', '-c', '/bin/true; exit 7'], uid: 65534, exitCode: 7 << 8 });
    expect(p.exitNs).toBeGreaterThan(p.startNs!);
    // sh forked /bin/true: a fork row with the exact start, the exec's exe and argv, exit 0.
    const kids = r.children(p);
    expect(kids).toHaveLength(1);
    expect(kids[0]).toMatchObject({ source: 'fork', exe: '/usr/bin/true', argv: ['/bin/true'], exitCode: 0, parentPid: child.pid });
    expect(kids[0]!.startNs).toBeLessThan(kids[0]!.exitNs!);
    const chain = r.ancestors(p);
    expect(chain.map((x) => x.pid)).toContain(process.pid);
    expect(chain.at(-1)!.pid).toBe(1);
    const me = r.process(process.pid)!;
    expect(me.source).toBe('proc');
    expect(r.children(me).map((c) => c.pid)).toContain(child.pid);
    // The key is the one /proc shows.
    const stat = readFileSync('/proc/self/stat', 'latin1');
    expect(me.startTicks).toBe(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]));
    r.close();
  });
});
