import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { IN_RELEASE, RELEASE_ENTRY_ENV, releaseWorkerCode } from '../runtime/index.js';

/*
 * The store's worker thread and query child are modules of this program,
 * started from where the running code is: the compiled .js under dist/, the
 * .ts under vitest (which runs src/ directly). Node 20 cannot run .ts by
 * itself, so there tsx's loader (a dev dependency) is registered first;
 * dist/ never needs it and never loads a file from src/. In the single-file
 * release each is a bundle inside the executable (src/runtime): a thread runs
 * it as eval code, a child is the executable itself, told which bundle
 * to run by RELEASE_ENTRY_ENV.
 */

/** The scheme of a module URL naming one of the release's bundles. */
const RELEASE_SCHEME = 'ebpfsh-release:';

/** The sibling module `name` (no extension) of the module at `from` (its import.meta.url), with the same extension. */
export function siblingModule(from: string, name: string): URL {
  if (IN_RELEASE) return new URL(`${RELEASE_SCHEME}${name}`);
  const ext = /\.[cm]?[jt]s$/.exec(new URL(from).pathname)?.[0] ?? '.js';
  return new URL(`./${name}${ext}`, from);
}

const isTypeScript = (url: URL) => url.pathname.endsWith('.ts');

/** tsx's loader as a file URL (resolved from here, whatever the working directory). */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/** Starts a worker thread on module `url` (see siblingModule). */
export function startWorker(url: URL, opts: WorkerOptions): Worker {
  if (url.protocol === RELEASE_SCHEME) return new Worker(releaseWorkerCode(url.pathname), { ...opts, eval: true });
  if (!isTypeScript(url)) return new Worker(url, opts);
  // A worker's execArgv --import does not take on Node 20: register the loader inside the thread, then import.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { ...opts, eval: true });
}

/** Forks a child process on module `url` (see siblingModule). */
export function forkModule(url: URL, args: string[], opts: ForkOptions): ChildProcess {
  if (url.protocol === RELEASE_SCHEME) {
    const env = { ...(opts.env ?? process.env), [RELEASE_ENTRY_ENV]: url.pathname };
    return fork(process.execPath, args, { ...opts, env, execArgv: [] });
  }
  const execArgv = isTypeScript(url) ? ['--import', tsxLoader()] : opts.execArgv;
  return fork(fileURLToPath(url), args, { ...opts, execArgv });
}
