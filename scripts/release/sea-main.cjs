// The single-file release's entry, the SEA "main" (Node 20 runs it as
// CommonJS, with the code cache made at build time). scripts/release.mjs puts
// the main bundle where the mark is below: an async function of `require`
// (see there why a script and not ESM). The other bundles (js/<name>.js) are
// assets: worker threads run them as eval code (src/store/spawn.ts), and a
// child process is this executable again, told which bundle by ENTRY_ENV.
'use strict';
const { getAsset } = require('node:sea');
const vm = require('node:vm');

// Must match RELEASE_ENTRY_ENV in src/runtime/program-files.ts.
const ENTRY_ENV = 'EBPFSH_RELEASE_ENTRY';
const CHILD_ENTRIES = new Set(['query-child']);
const entry = process.env[ENTRY_ENV] || 'main';
delete process.env[ENTRY_ENV]; // not inherited by what the program runs

/** Ends the process on an error that escaped the program (its own handlers report everything else). */
function fail(e) {
  process.stderr.write(`ebpfsh: internal error: ${String(e && e.message ? e.message : e).slice(0, 500)}\n`);
  process.exit(70);
}

// Node stays quiet about Buffer() (DEP0005) when node_modules calls it; in one bundle nothing is in node_modules,
// so it would warn about blessed's calls: as from a checkout, say nothing.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const code = typeof rest[0] === 'object' && rest[0] ? rest[0].code : rest[1];
  if (code === 'DEP0005') return;
  return emitWarning.call(process, warning, ...rest);
};

const main = /*@MAIN_BUNDLE@*/;

if (entry === 'main') {
  main(require).catch(fail);
} else if (CHILD_ENTRIES.has(entry)) {
  // A SEA's argv is [exe, argv0, ...args]; a child is started as `exe exe ...args`
  // (src/store/spawn.ts): drop one so it sees what fork() gives a module.
  process.argv.splice(1, 1);
  const source = Buffer.from(getAsset(`js/${entry}.js`)).toString('utf8');
  new vm.Script(source, { filename: `ebpfsh-${entry}.js` }).runInThisContext()(require).catch(fail);
} else {
  process.stderr.write(`ebpfsh: unknown release entry ${JSON.stringify(entry)}\n`);
  process.exit(2);
}
