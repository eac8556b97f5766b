import { mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupPaths, cgroup2Mount, containerOf, readCgroupPath } from '../../src/proc/index.js';
import { tempDir } from '../store/helpers.js';

const HEX = 'a'.repeat(12) + '0123456789abcdef'.repeat(3) + 'b'.repeat(4);

describe('cgroup ids as paths', () => {
  const t = tempDir('ebpfsh-cgroup-');
  afterAll(() => t.cleanup());

  it('finds the cgroup2 mount in mountinfo: /sys/fs/cgroup first, the hybrid /unified next, none when absent', () => {
    const v1 = '30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu';
    const hybrid = '35 25 0:31 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw';
    const pure = '36 25 0:32 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw';
    const spaced = '37 25 0:33 / /mnt/my\\040cg rw - cgroup2 none rw';
    expect(cgroup2Mount([v1, hybrid].join('\n'))).toBe('/sys/fs/cgroup/unified');
    expect(cgroup2Mount([spaced, hybrid, pure].join('\n'))).toBe('/sys/fs/cgroup');
    expect(cgroup2Mount(spaced)).toBe('/mnt/my cg');
    expect(cgroup2Mount(v1)).toBeNull();
  });

  it('names the container of each runtime\'s cgroup naming, and none for an ordinary service', () => {
    expect(containerOf(`/system.slice/docker-${HEX}.scope`)).toEqual({ runtime: 'docker', id: HEX });
    expect(containerOf(`/docker/${HEX}`)).toEqual({ runtime: 'docker', id: HEX });
    expect(containerOf(`/machine.slice/libpod-${HEX}.scope/container`)).toEqual({ runtime: 'podman', id: HEX });
    expect(containerOf(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-${HEX}.scope`)).toEqual({ runtime: 'kubernetes/containerd', id: HEX });
    expect(containerOf(`/kubepods.slice/kubepods-pod1.slice/crio-${HEX}.scope`)).toEqual({ runtime: 'kubernetes/cri-o', id: HEX });
    expect(containerOf(`/kubepods/burstable/pod1234/${HEX}`)).toEqual({ runtime: 'kubernetes', id: HEX });
    expect(containerOf('/system.slice/ssh.service')).toBeUndefined();
    expect(containerOf(`/user.slice/docker-${HEX.slice(1)}.scope`)).toBeUndefined(); // 63 hex digits: not an id
  });

  it('resolves an id to its directory, walks again on a miss (at most once per interval), and keeps a removed cgroup\'s path', () => {
    const root = join(t.dir, 'cg');
    mkdirSync(join(root, 'system.slice'), { recursive: true });
    const paths = new CgroupPaths(root, 1000);
    const ino = (p: string) => Number(statSync(join(root, p)).ino);
    expect(paths.resolve(ino('system.slice'), 0)).toEqual({ path: '/system.slice' });
    expect(paths.resolve(ino('.'), 0)).toEqual({ path: '/' });
    // A container started after the first walk: its first lookup misses the cache and walks again.
    const scope = `system.slice/docker-${HEX}.scope`;
    mkdirSync(join(root, scope));
    const id = ino(scope);
    expect(paths.resolve(id, 500)).toMatchObject({ unknown: expect.stringContaining('not found under') }); // within the interval: no walk
    expect(paths.resolve(id, 1000)).toEqual({ path: `/${scope}`, container: { runtime: 'docker', id: HEX } });
    rmdirSync(join(root, scope));
    expect(paths.resolve(id, 5000)).toEqual({ path: `/${scope}`, container: { runtime: 'docker', id: HEX } });
  });

  it('keeps a directory name\'s exact bytes (it is data, escaped when shown)', () => {
    const root = join(t.dir, 'bytes');
    const name = Buffer.from([0x65, 0x76, 0x69, 0x6c, 0x1b, 0x5b, 0x32, 0x4a, 0xff]);
    mkdirSync(root);
    mkdirSync(Buffer.concat([Buffer.from(root + '/'), name]));
    const id = Number(statSync(Buffer.concat([Buffer.from(root + '/'), name])).ino);
    expect(new CgroupPaths(root).resolve(id, 0)).toEqual({ path: Uint8Array.from([0x2f, ...name]) });
  });

  it('says cgroup2 is not mounted, naming the fix, instead of a bare id', () => {
    expect(new CgroupPaths(null).resolve(1)).toEqual({ unknown: expect.stringMatching(/^cgroup2 is not mounted.*mount -t cgroup2/) });
  });

  it('reads a process\'s cgroup2 path from /proc/PID/cgroup (the 0:: line), not a v1 hierarchy', () => {
    mkdirSync(join(t.dir, 'proc/77'), { recursive: true });
    writeFileSync(join(t.dir, 'proc/77/cgroup'), `4:memory:/other\n0::/system.slice/docker-${HEX}.scope\n`);
    expect(readCgroupPath(77, join(t.dir, 'proc'))).toBe(`/system.slice/docker-${HEX}.scope`);
    expect(readCgroupPath(78, join(t.dir, 'proc'))).toBeUndefined();
  });
});
