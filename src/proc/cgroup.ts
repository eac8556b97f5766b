import { readFileSync, readdirSync, statSync } from 'node:fs';
import { toByteString, type ByteString } from '../event/index.js';

/** A cgroup id as a path under the cgroup2 mount, with the container it names if any. */
export type CgroupResolution = { path: ByteString; container?: ContainerRef } | { unknown: string };

/** A container a cgroup path names: the runtime its naming follows and the container id. */
export interface ContainerRef {
  runtime: string;
  id: string;
}

/** Unescapes the octal escapes mountinfo writes for space, tab, newline and backslash. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Where cgroup v2 is mounted with its root, from mountinfo text: /sys/fs/cgroup
 * first, then the hybrid layout's /sys/fs/cgroup/unified, then any; null when
 * it is not mounted at all.
 */
export function cgroup2Mount(mountinfo: string): string | null {
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fstype] = line.slice(sep + 3).split(' ');
    const f = line.slice(0, sep).split(' ');
    if (fstype === 'cgroup2' && f[3] === '/' && f[4]) points.push(unescapeMount(f[4]));
  }
  return points.find((p) => p === '/sys/fs/cgroup') ?? points.find((p) => p === '/sys/fs/cgroup/unified') ?? points[0] ?? null;
}

/** The cgroup2 mount point of this host (as this process sees it), or null. */
export function findCgroup2Root(mountinfoPath = '/proc/self/mountinfo'): string | null {
  try {
    return cgroup2Mount(readFileSync(mountinfoPath, 'latin1'));
  } catch {
    return null;
  }
}

/** The cgroup v2 path of PID now (its `0::` line of /proc/PID/cgroup, exact bytes), or undefined when gone or not on cgroup2. */
export function readCgroupPath(pid: number | string, root = '/proc'): ByteString | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync(`${root}/${pid}/cgroup`);
  } catch {
    return undefined;
  }
  for (let at = 0; at < raw.length; ) {
    let end = raw.indexOf(0x0a, at);
    if (end < 0) end = raw.length;
    if (raw[at] === 0x30 && raw[at + 1] === 0x3a && raw[at + 2] === 0x3a) return toByteString(raw.subarray(at + 3, end)); // "0::"
    at = end + 1;
  }
  return undefined;
}

const HEX64 = /^(?:(docker|cri-containerd|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?$/;
const RUNTIME: Record<string, string> = { docker: 'docker', 'cri-containerd': 'containerd', crio: 'cri-o', libpod: 'podman' };

/**
 * The container a cgroup path names, by the runtimes' naming (systemd driver:
 * docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
 * libpod-<id>.scope; cgroupfs driver: /docker/<id>, /kubepods/.../<id>).
 */
export function containerOf(path: ByteString): ContainerRef | undefined {
  const text = typeof path === 'string' ? path : Buffer.from(path).toString('latin1');
  const parts = text.split('/').filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    const m = HEX64.exec(parts[i]!);
    if (!m) continue;
    const kube = parts.slice(0, i).some((p) => p.startsWith('kubepods'));
    const runtime = m[1] ? RUNTIME[m[1]]! : parts[i - 1] === 'docker' ? 'docker' : kube ? 'kubernetes' : 'container';
    return { runtime: kube && m[1] ? `kubernetes/${runtime}` : runtime, id: m[2]! };
  }
  return undefined;
}

/**
 * cgroup id -> path under the cgroup2 mount. On cgroup2 a cgroup's id is the
 * inode number of its directory, so the mapping comes from walking the mount.
 * Mappings are kept (a cgroup removed later still has the path it had); a miss
 * walks again, at most once per `minWalkMs`, so a storm of unknown ids costs
 * one walk, and a walk stops after `maxDirs` directories.
 */
export class CgroupPaths {
  private readonly paths = new Map<number, ByteString>();
  private lastWalk = -Infinity;
  /** Directories the last walk left out (the cap), said with a miss. */
  private cut = 0;

  constructor(
    readonly root: string | null = findCgroup2Root(),
    private readonly minWalkMs = 1000,
    private readonly maxDirs = 20_000,
    private readonly capacity = 100_000,
  ) {}

  /** The path of cgroup `id`, or why it is unknown (one line, lower case). */
  resolve(id: number, now = Date.now()): CgroupResolution {
    if (this.root === null) return { unknown: 'cgroup2 is not mounted, so the id has no path (mount -t cgroup2 none /sys/fs/cgroup to resolve it)' };
    let path = this.paths.get(id);
    if (path === undefined && now - this.lastWalk >= this.minWalkMs) {
      this.walk();
      this.lastWalk = now;
      path = this.paths.get(id);
    }
    if (path === undefined) {
      const cut = this.cut ? `; ${this.cut} directories past the walk's cap of ${this.maxDirs} were not read` : '';
      return { unknown: `not found under ${this.root} (removed before it was read, or outside this cgroup namespace${cut})` };
    }
    const container = containerOf(path);
    return container ? { path, container } : { path };
  }

  /** Reads every directory under the mount (breadth first), noting its inode as a cgroup id. */
  private walk(): void {
    const root = Buffer.from(this.root!);
    const todo: Buffer[] = [Buffer.alloc(0)];
    let dirs = 0;
    this.cut = 0;
    for (let next = 0; next < todo.length; next++) {
      const rel = todo[next]!;
      if (dirs >= this.maxDirs) {
        this.cut++;
        continue;
      }
      dirs++;
      const abs = Buffer.concat([root, rel]);
      let ino: bigint;
      try {
        ino = statSync(abs, { bigint: true }).ino;
      } catch {
        continue; // removed while we walked
      }
      if (this.paths.size >= this.capacity) this.paths.delete(this.paths.keys().next().value!);
      this.paths.set(Number(ino), rel.length ? toByteString(rel) : '/');
      let names: { name: Buffer; isDirectory(): boolean }[];
      try {
        names = readdirSync(abs, { withFileTypes: true, encoding: 'buffer' }) as unknown as { name: Buffer; isDirectory(): boolean }[];
      } catch {
        continue;
      }
      for (const d of names) if (d.isDirectory()) todo.push(Buffer.concat([rel, Buffer.from('/'), d.name]));
    }
  }
}
