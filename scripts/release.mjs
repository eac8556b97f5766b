#!/usr/bin/env node
// Builds the single-file release, dist/ebpfsh-<version>-linux-<arch>: a copy of
// this Node with a single-executable-application blob injected (postject).
// The blob holds the main bundle inside a small CommonJS entry
// (scripts/release/sea-main.cjs) and, as assets under their checkout-relative
// paths (src/runtime reads them): the other bundles (js/*.js, one per worker
// thread or child process the program starts), the
// native addons, the shared libraries the addon needs beyond glibc and
// libstdc++ (lib/*), the BPF objects, layouts.json, package.json and
// dist/build-info.json.
// Usage: node scripts/release.mjs [--force]   (npm run release)
// Skips everything when the inputs (tracked sources, the lock file, this Node,
// the commit) are those of the release already built.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
process.chdir(root);
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = join('dist', `ebpfsh-${pkg.version}-linux-${process.arch}`);
const work = join('build', 'release');
const stampFile = join(work, 'inputs.sha256');
const force = process.argv.includes('--force');

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
const capture = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const log = (msg) => process.stderr.write(`release: ${msg}\n`);

/** A digest of everything the release is built from. */
function inputsDigest() {
  const h = createHash('sha256');
  let head = 'no-git';
  let files = [];
  try {
    head = capture('git', ['rev-parse', 'HEAD']);
    files = capture('git', ['ls-files', '-co', '--exclude-standard', 'src', 'bpf', 'native/src', 'native/binding.gyp', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json']).split('\n').filter(Boolean);
  } catch {
    log('not a git checkout: building');
    return `unstamped-${Date.now()}`;
  }
  h.update(`${head}\n${process.execPath} ${statSync(process.execPath).size} ${statSync(process.execPath).mtimeMs}\n`);
  for (const f of files.sort()) if (existsSync(f)) h.update(`${f}\0`).update(readFileSync(f));
  return h.digest('hex');
}

const digest = inputsDigest();
if (!force && existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === digest) {
  log(`${out} is up to date`);
  process.exit(0);
}

log('building (BPF objects, addon, TypeScript)');
run('bash', ['scripts/build.sh']);

rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'js'), { recursive: true });

// ---- the JavaScript: one ESM bundle per entry, no node_modules tree -------
const esbuild = await import('esbuild');
/**
 * One bundle per process or thread: the main program, and every module the
 * code starts with `siblingModule(import.meta.url, '<name>')` (a worker or a
 * child), found in the sources so a new worker cannot be left out.
 */
const ENTRIES = { main: 'dist/main.js', ...workerEntries(join(root, 'src')) };

/** name -> dist path of every `siblingModule(import.meta.url, 'name')` under `dir`. */
function workerEntries(dir) {
  const found = {};
  for (const ent of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!ent.isFile() || !ent.name.endsWith('.ts')) continue;
    const file = join(ent.parentPath ?? ent.path, ent.name);
    for (const m of readFileSync(file, 'utf8').matchAll(/siblingModule\(import\.meta\.url, '([\w-]+)'\)/g)) {
      const rel = file.slice(join(root, 'src').length + 1, -basename(file).length);
      found[m[1]] = `dist/${rel}${m[1]}.js`;
    }
  }
  return found;
}
const ABSENT = /^(term\.js|pty\.js|react-devtools-core)$/;
const SQLITE_ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
/** better-sqlite3 finds its addon through `bindings` (a search of the file system): in the release, it is ours. */
const sqliteAddonFromRelease = {
  name: 'sqlite-addon-from-release',
  setup(build) {
    build.onResolve({ filter: /^bindings$/ }, () => ({ path: 'bindings', namespace: 'release-shim' }));
    build.onLoad({ filter: /^bindings$/, namespace: 'release-shim' }, () => ({
      contents: `const { loadAddon } = require(${JSON.stringify(join(root, 'dist/runtime/index.js'))});\nmodule.exports = () => loadAddon(${JSON.stringify(SQLITE_ADDON)});\n`,
      loader: 'js',
      resolveDir: root,
    }));
    // Optional packages never reached here (blessed's terminal widget, ink's devtools with DEV=true): absent from
    // the release, they fail when used, not when the bundle loads (an ESM external would be linked at start).
    build.onResolve({ filter: ABSENT }, (a) => ({ path: a.path, namespace: 'release-absent' }));
    build.onLoad({ filter: /.*/, namespace: 'release-absent' }, (a) => ({
      contents: `throw new Error(${JSON.stringify(`${a.path} is not in the ebpfsh release`)});\n`,
      loader: 'js',
    }));
  },
};
// Each bundle is one script, `(async function (require) { ... })`, run with
// Node's require for its built-ins: the SEA main (Node 20 runs it as
// CommonJS, with a code cache made at build time), a worker thread's eval
// code, a child's vm.Script. Not ESM: an ESM bundle would have to be imported
// from a data: URL, which measured +120 ms of CPU at every start (URL parsing
// and copying of the multi-MiB source), and gets no code cache. The async
// function holds what ink and yoga do with top-level await.
// A few CommonJS packages name __dirname for files the release does not carry
// (blessed's fallback terminfo, bigtext fonts): a directory under /proc, where
// no one can create the file they would read instead.
const NO_FILES = '/proc/ebpfsh-release-has-no-files';
/** Node's built-ins, required at run time rather than imported (a script has no import statements). */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z:_/]+$/ }, (a) => {
      if (!isBuiltin(a.path)) return undefined;
      // The stub's own require is the run-time one.
      return a.namespace === 'builtin' ? { path: a.path, external: true } : { path: a.path, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({ contents: `module.exports = require(${JSON.stringify(a.path)});`, loader: 'js' }));
  },
};
/** blessed loads its widgets by a computed name; with the extension written, esbuild bundles them all as a glob. */
const blessedWidgets = {
  name: 'blessed-widgets',
  setup(build) {
    build.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]widget\.js$/ }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      const call = "require('./widgets/' + file)";
      if (!text.includes(call)) throw new Error(`release: blessed's widget.js no longer has ${call}: see the blessed-widgets plugin`);
      return { contents: text.replace(call, "require('./widgets/' + file + '.js')"), loader: 'js' };
    });
  },
};
/**
 * blessed reads its own terminfo files (node_modules/blessed/usr/) when it
 * cannot parse the host's, which is most modern ones: the release carries
 * them as assets, and blessed reads each through an anonymous copy.
 */
const BLESSED_USR = 'node_modules/blessed/usr';
const blessedTerminfo = {
  name: 'blessed-terminfo',
  setup(build) {
    build.onLoad({ filter: /[\\/]blessed[\\/]lib[\\/]tput\.js$/ }, (a) => {
      const text = readFileSync(a.path, 'utf8');
      const uses = /this\.inject(Termcap|Terminfo)\((__dirname \+ '\/\.\.\/usr\/[^)]*)\)/g;
      const n = [...text.matchAll(uses)].length;
      if (n !== 4) throw new Error(`release: blessed's tput.js reads its usr/ files in ${n} places, not 4: see the blessed-terminfo plugin`);
      const helper = `var __ebpfshBlessedUsr = (p) => require(${JSON.stringify(join(root, 'dist/runtime/index.js'))}).programPath(${JSON.stringify(BLESSED_USR + '/')} + p.split('/../usr/')[1]) ?? p;\n`;
      return { contents: helper + text.replace(uses, 'this.inject$1(__ebpfshBlessedUsr($2))'), loader: 'js' };
    });
  },
};
const result = await esbuild.build({
  entryPoints: ENTRIES,
  outdir: join(work, 'esm'),
  bundle: true,
  splitting: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  define: { 'import.meta.url': JSON.stringify(`file://${NO_FILES}/bundle.js`) },
  plugins: [builtinsByRequire, sqliteAddonFromRelease, blessedWidgets, blessedTerminfo],
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(work, 'meta.json'), JSON.stringify(result.metafile));
for (const [file, o] of Object.entries(result.metafile.outputs)) {
  // require() calls esbuild left (ws's optional bufferutil, inside try/catch) fail at run time as they would without the package.
  const left = o.imports.filter((i) => i.external && i.kind !== 'require-call').map((i) => `${i.kind} ${i.path}`);
  if (left.length || o.exports.length) throw new Error(`release: ${file} still imports or exports (${[...left, ...o.exports].join(', ')}): it could not run as a script`);
}
const header = `'use strict';const __dirname=${JSON.stringify(NO_FILES)},__filename=${JSON.stringify(NO_FILES + '/bundle.js')};`;
/** The script form of entry `name`'s bundle: an async function of require. */
const scriptOf = (name) => `(async function (require) {${header}\n${readFileSync(join(work, 'esm', `${name}.js`), 'utf8').replace(/^#!.*\n/, '')}\n})`;
for (const name of Object.keys(ENTRIES)) writeFileSync(join(work, 'js', `${name}.js`), scriptOf(name));

// ---- the shared libraries the addon needs beyond glibc and libstdc++ ------
const ADDON = 'native/build/Release/ebpfsh_native.node';
// Node itself links libstdc++ and libgcc_s, so the host has them before any of this runs.
const BASE = /^(linux-vdso|ld-linux[^.]*|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s)\.so/;
/** The addon's shared libraries outside the base system (ldd resolves them all), each after the ones it needs. */
function carriedLibraries(file) {
  const found = new Map();
  for (const line of capture('ldd', [file]).split('\n')) {
    const m = /^\s*(\S+) => (\/\S+)/.exec(line);
    if (m && !BASE.test(m[1])) found.set(m[1], m[2]);
  }
  const needs = new Map([...found].map(([soname, path]) => [soname, [...capture('objdump', ['-p', path]).matchAll(/NEEDED\s+(\S+)/g)].map((n) => n[1]).filter((n) => found.has(n))]));
  const ordered = [];
  while (ordered.length < found.size) {
    const next = [...found.keys()].find((s) => !ordered.some((o) => o.soname === s) && needs.get(s).every((n) => ordered.some((o) => o.soname === n)));
    if (!next) throw new Error(`release: circular library dependencies among ${[...found.keys()].join(', ')}`);
    ordered.push({ soname: next, path: found.get(next) });
  }
  return ordered;
}
const libs = carriedLibraries(ADDON);
mkdirSync(join(work, 'lib'), { recursive: true });
const preload = libs.map((l) => `lib/${l.soname}`);
writeFileSync(join(work, 'lib', 'preload.json'), JSON.stringify(preload));

// ---- the SEA blob ---------------------------------------------------------
const assets = {
  'package.json': 'package.json',
  'dist/build-info.json': 'dist/build-info.json',
  [ADDON]: ADDON,
  [SQLITE_ADDON]: SQLITE_ADDON,
  'lib/preload.json': join(work, 'lib', 'preload.json'),
};
for (const l of libs) assets[`lib/${l.soname}`] = l.path;
for (const f of readdirSync(BLESSED_USR, { withFileTypes: true })) if (f.isFile()) assets[`${BLESSED_USR}/${f.name}`] = `${BLESSED_USR}/${f.name}`;
// The objects without their DWARF (CO-RE needs only .BTF and .BTF.ext): ~14 MiB -> ~2 MiB.
mkdirSync(join(work, 'bpf'));
for (const f of readdirSync('build/bpf')) {
  if (!/\.(bpf\.o|btf|json)$/.test(f)) continue;
  assets[`build/bpf/${f}`] = `build/bpf/${f}`;
  if (!f.endsWith('.bpf.o')) continue;
  try {
    run('llvm-strip', ['-g', '-o', join(work, 'bpf', f), `build/bpf/${f}`]);
    assets[`build/bpf/${f}`] = join(work, 'bpf', f);
  } catch {
    log(`llvm-strip not found: ${f} keeps its DWARF`);
  }
}
for (const name of Object.keys(ENTRIES)) if (name !== 'main') assets[`js/${name}.js`] = join(work, 'js', `${name}.js`);
// The main bundle is the SEA main itself, so the SEA's code cache covers it.
const seaMain = readFileSync('scripts/release/sea-main.cjs', 'utf8');
if (!seaMain.includes('/*@MAIN_BUNDLE@*/')) throw new Error('release: scripts/release/sea-main.cjs lost its /*@MAIN_BUNDLE@*/ mark');
writeFileSync(join(work, 'sea-main.cjs'), seaMain.replace('/*@MAIN_BUNDLE@*/', () => readFileSync(join(work, 'js', 'main.js'), 'utf8')));
const seaConfig = {
  main: join(work, 'sea-main.cjs'),
  output: join(work, 'sea-prep.blob'),
  disableExperimentalSEAWarning: true,
  // V8's compiled code for the main bundle, made at build time: start-up skips most of parsing it.
  useCodeCache: true,
  assets,
};
writeFileSync(join(work, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
run(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { stdio: ['ignore', 'ignore', 'inherit'] });

// ---- inject into a copy of this Node --------------------------------------
const tmp = `${out}.tmp`;
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
// Debug info is most of Node's size here and nothing at run time needs it (addons bind through .dynsym, which stays).
try {
  run('strip', ['--strip-debug', tmp]);
} catch {
  log('strip not found: keeping the debug info');
}
run(join('node_modules', '.bin', 'postject'), [tmp, 'NODE_SEA_BLOB', join(work, 'sea-prep.blob'), '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
renameSync(tmp, out);
writeFileSync(stampFile, digest);
const mib = (statSync(out).size / 2 ** 20).toFixed(1);
log(`${out} (${mib} MiB; carries ${preload.map((p) => basename(p)).join(', ') || 'no libraries'} besides the addons)`);
