import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeKernel } from '../helpers/kernel.js';

const BIN = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));

describeKernel('tracefs', () => {
  it('is mounted by ebpfsh when a tracepoint probe needs it (in a private mount namespace)', () => {
    // Unmount tracefs only inside a new mount namespace, as on a fresh machine.
    const script = `umount /sys/kernel/tracing 2>/dev/null; echo before=$(ls /sys/kernel/tracing | wc -l)
      ${BIN} trace open comm=nothing-here --duration 0.5 >/dev/null; echo rc=$?; echo after=$(ls /sys/kernel/tracing | wc -l)`;
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout).toMatch(/before=0\n/);
    expect(r.stdout).toMatch(/rc=0\n/);
    expect(Number(/after=(\d+)/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/attached opensnoop via tracepoint\/syscalls/);
  });
});
