import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants as osConstants, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

/*
 * The one seam between the program and where its files are. From a checkout
 * (or an installed tree) they are files beside dist/. From the single-file
 * release (a Node single executable application, scripts/release.mjs) they
 * are SEA assets, keyed by the same checkout-relative path, and nothing is
 * written on the host: what native code must open by name (the addons, the
 * BPF objects) becomes an anonymous in-memory file, reached as
 * /proc/self/fd/N. Node has no memfd_create, and no native code can run
 * before an addon is loaded, so it is an O_TMPFILE inode on a tmpfs: the same
 * kind of object a memfd is (an unlinked shmem inode), never named in any
 * directory, freed by the kernel when the process ends, even on SIGKILL.
 */

interface SeaModule {
  isSea(): boolean;
  getAsset(key: string): ArrayBuffer;
}

const sea: SeaModule | undefined = (() => {
  try {
    const m = createRequire(import.meta.url)('node:sea') as SeaModule;
    return m.isSea() ? m : undefined;
  } catch {
    return undefined; // a Node without node:sea runs checkouts only
  }
})();

/** Whether this process runs from the single-file release (a Node single executable application). */
export const IN_RELEASE = sea !== undefined;

/** The checkout (or installed tree) this module runs from: dist/runtime/ or src/runtime/ is two levels down. */
const ROOT = sea ? '' : fileURLToPath(new URL('../../', import.meta.url));

/** The bytes of file `rel` of the built program (a checkout-relative path, e.g. build/bpf/layouts.json), or undefined when it has none. */
export function programFile(rel: string): Buffer | undefined {
  if (sea) {
    try {
      return Buffer.from(sea.getAsset(rel));
    } catch {
      return undefined;
    }
  }
  try {
    return readFileSync(ROOT + rel);
  } catch {
    return undefined;
  }
}

// Kept open for the life of the process: the kernel frees the inode with the
// last fd, and glibc's dlopen matches an already-loaded library by path, so
// a /proc/self/fd/N path must never be reused for other contents.
const anonymous = new Map<string, string>();

/** O_TMPFILE (Linux ≥ 3.11): an inode with no name. __O_TMPFILE is the same on x86-64 and arm64; O_DIRECTORY is not. */
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

/** Where anonymous copies go, best first: tmpfs (memory) before a disk-backed temp directory. */
const ANONYMOUS_DIRS = ['/dev/shm', '/run', tmpdir()];

/** An anonymous copy of `bytes`, as /proc/self/fd/N; `accept` may reject a directory (e.g. one mounted noexec) to try the next. */
function anonymousCopy(bytes: Buffer, accept: (path: string) => boolean): string {
  for (const dir of ANONYMOUS_DIRS) {
    let fd: number;
    try {
      fd = openSync(dir, O_TMPFILE | constants.O_RDWR, 0o500);
    } catch {
      continue;
    }
    const path = `/proc/self/fd/${fd}`;
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      if (accept(path)) return path;
    } catch {
      // a full or read-only tmpfs: try the next
    }
    closeSync(fd);
  }
  throw new Error(`cannot hold ${bytes.length} bytes in memory: no tmpfs takes an anonymous file (O_TMPFILE) in ${ANONYMOUS_DIRS.join(', ')}`);
}

/** A path native code can open for file `rel`: the checkout's file, or in the release an anonymous in-memory copy; undefined when it has none. */
export function programPath(rel: string): string | undefined {
  if (!sea) return existsSync(ROOT + rel) ? ROOT + rel : undefined;
  const known = anonymous.get(rel);
  if (known) return known;
  const bytes = programFile(rel);
  if (!bytes) return undefined;
  const path = anonymousCopy(bytes, () => true);
  anonymous.set(rel, path);
  return path;
}

/** glibc's RTLD_NODELETE (Node's os.constants.dlopen lacks it): a library that is not an addon stays loaded after Node's dlclose. */
const RTLD_NODELETE = 0x1000;
let preloaded = false;

/**
 * The release carries the shared libraries its addon needs beyond glibc and
 * libstdc++ (libbpf, libelf, zlib: lib/preload.json, dependencies first), so
 * it does not depend on the host's (absent, or another ABI). Loaded from
 * memory first, each satisfies the addon's DT_NEEDED by its soname.
 */
function preloadLibraries(): void {
  if (preloaded) return;
  preloaded = true;
  const list = JSON.parse(programFile('lib/preload.json')?.toString('utf8') ?? '[]') as string[];
  for (const rel of list) {
    const bytes = programFile(rel);
    if (!bytes) throw new Error(`${rel} is not in this release`);
    let loaded = false;
    const path = anonymousCopy(bytes, (p) => {
      try {
        process.dlopen({ exports: {} }, p, osConstants.dlopen.RTLD_LAZY | RTLD_NODELETE);
      } catch (e) {
        // Not an addon: Node says so after dlopen succeeded; a failed map is the next directory's turn.
        if (!/did not self-register/.test((e as Error).message)) return false;
      }
      loaded = true;
      return true;
    });
    if (!loaded) throw new Error(`cannot load ${rel}`);
    anonymous.set(rel, path);
  }
}

/** Loads native addon `rel` (a checkout-relative path to a .node file) and returns its exports; throws when it cannot. */
export function loadAddon(rel: string): unknown {
  if (!sea) return createRequire(import.meta.url)(ROOT + rel);
  preloadLibraries();
  const known = anonymous.get(rel);
  if (known) return dlopen(known);
  const bytes = programFile(rel);
  if (!bytes) throw new Error(`${rel} is not in this release`);
  let exports: unknown;
  let failure: Error | undefined;
  const path = anonymousCopy(bytes, (p) => {
    try {
      exports = dlopen(p);
      return true;
    } catch (e) {
      failure = e as Error; // e.g. "failed to map segment": that tmpfs is mounted noexec
      return false;
    }
  });
  if (exports === undefined) throw failure ?? new Error(`cannot load ${rel}`);
  anonymous.set(rel, path);
  return exports;
}

function dlopen(path: string): unknown {
  const module = { exports: {} as unknown };
  process.dlopen(module, path);
  return module.exports;
}

/** The environment variable naming which of the release's bundles a process runs (scripts/release/sea-main.cjs reads it). */
export const RELEASE_ENTRY_ENV = 'EBPFSH_RELEASE_ENTRY';

/** The eval code a worker thread runs for bundle `name` of the release (js/<name>.js, an async function of require). */
export function releaseWorkerCode(name: string): string {
  const bytes = programFile(`js/${name}.js`);
  if (!bytes) throw new Error(`js/${name}.js is not in this release`);
  // Rethrown from the thread's top level, an error ends the worker with an 'error' event, as a module's would.
  return `(${bytes.toString('utf8')})(require).catch((e) => { setImmediate(() => { throw e; }); });`;
}

/** What `--version` names: the version, the commit and the build date of this program. */
export interface BuildInfo {
  version: string;
  commit: string;
  date: string;
}

/** The program's build facts: package.json's version and dist/build-info.json (written by the build), 'unknown' where missing. */
export function buildInfo(): BuildInfo {
  const parse = (rel: string): Record<string, unknown> => {
    try {
      return JSON.parse(programFile(rel)?.toString('utf8') ?? '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const pkg = parse('package.json');
  const built = parse('dist/build-info.json');
  const str = (v: unknown) => (typeof v === 'string' && v ? v : 'unknown');
  return { version: str(pkg.version), commit: str(built.commit), date: str(built.date) };
}
