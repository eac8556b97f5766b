import { afterEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execsnoop } from '../../src/probes/execsnoop/spec.js';
import { describeKernel, run, waitFor } from '../helpers/kernel.js';
import { sleep, startSession } from './kernel-session.js';

const argvOf = (e: { fields: Record<string, unknown> }) => (e.fields.argv as string[]).join(' ');

describeKernel('follow= on the real kernel', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('sees a followed shell’s children and grandchildren, forked before or after attach, and nothing else', async () => {
    const tag = `f${process.pid}x${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-follow-'));
    const go = join(dir, 'go');
    // outer sh -> inner sh (running before attach) -> true; outer -> sh -> sh -> true (after)
    const wait = `while [ ! -e ${go} ]; do sleep 0.02; done`;
    const shell = spawn('sh', ['-c', `sh -c '${wait}; /bin/true seeded-${tag}' & ${wait}; sh -c 'sh -c "/bin/true grandchild-${tag}"'; wait`], {
      stdio: 'ignore',
    });
    await sleep(100); // let the inner sh start so it is seeded from /proc
    const s = startSession(execsnoop, [`follow=${shell.pid}`]);
    close = () => {
      s.engine.close();
      rmSync(dir, { recursive: true, force: true });
    };
    writeFileSync(go, '');
    const unrelated = await run('/bin/true', [`unrelated-${tag}`]);
    await waitFor(() => s.events.find((e) => argvOf(e).includes(`grandchild-${tag}`)), 5000, 'the grandchild exec');
    await waitFor(() => s.events.find((e) => argvOf(e).includes(`seeded-${tag}`)), 5000, 'the exec of a child that existed before attach');
    await sleep(50);
    expect(s.events.filter((e) => e.pid === unrelated.pid)).toHaveLength(0);
  });

  it('refuses to follow a process that does not exist', () => {
    expect(() => startSession(execsnoop, ['follow=4000000'])).toThrow(/follow: no process 4000000 is running/);
  });
});
