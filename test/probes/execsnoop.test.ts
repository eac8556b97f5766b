import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession, str } from '../engine/kernel-session.js';

describeKernel('execsnoop on the real kernel', () => {
  let s: ReturnType<typeof startSession>;
  beforeAll(() => {
    s = startSession(execsnoop, ['uid=1000']);
  });
  afterAll(() => s.engine.close());

  it('reports the attach point in use', () => {
    expect(s.attachment.attachPoints[0]).toMatch(/sched_process_exec$/);
  });

  it('sees an exec by uid 1000 with argv intact, and not the same exec by root', async () => {
    const marker = `m${process.pid}x${Date.now()}`;
    await run('/bin/true', [marker, 'root']);
    const r = await run('/bin/true', [marker, 'two words', '', 'é']  , { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && str(x.fields.filename) === '/bin/true'), 5000, 'the uid 1000 exec');
    expect(e).toMatchObject({ uid: 1000, gid: 1000, comm: 'true' });
    expect(e.fields).toMatchObject({ ret: 0, exe: '/usr/bin/true', argv: ['/bin/true', marker, 'two words', '', 'é'], argc: 5, truncated: 0 });
    await sleep(50);
    expect(s.events.filter((x) => (x.fields.argv as string[]).includes('root') && (x.fields.argv as string[]).includes(marker))).toHaveLength(0);
  });

  it('reports a failed exec with its error and what was passed', async () => {
    const r = await run('/nonexistent/ebpfsh-missing', ['arg1'], { uid: 1000 });
    expect(r.code).not.toBe(0);
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === -2), 5000, 'the failed exec');
    expect(e.fields).toMatchObject({ filename: '/nonexistent/ebpfsh-missing', exe: '', argv: ['/nonexistent/ebpfsh-missing', 'arg1'] });
  });

  it('keeps very long argv truncated, flagged, with its original size', async () => {
    const long = 'x'.repeat(3000);
    const r = await run('/bin/true', [long, long], { uid: 1000 });
    const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === 0), 5000, 'the long exec');
    expect(e.fields.truncated).toBe(1);
    expect(e.fields.args_size).toBe('/bin/true'.length + 1 + 2 * 3001);
    const c = s.engine.counters().find((x) => x.probe === 'execsnoop')!;
    expect(c.losses.truncated).toBeGreaterThan(0);
  });

  it('resolves the exe of a renamed binary to its real path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-exec-'));
    try {
      const bin = join(dir, 'renamed-true');
      copyFileSync('/bin/true', bin);
      const r = await run('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', bin]);
      const e = await waitFor(() => s.events.find((x) => x.pid === r.pid && x.fields.ret === 0), 5000, 'the renamed exec');
      expect(e.fields.exe).toBe(bin);
      expect(e.comm).toBe('renamed-true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
