import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// What each command path loads, read from a run of the built CLI (dist/) with a
// preload that logs every module (test/helpers/module-log.mjs). Start-up time is
// measured in bench/startup.mjs; this keeps the heavy parts off the fast paths.

const MAIN = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));
const LOGGER = fileURLToPath(new URL('../../helpers/module-log.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** The modules (file URLs, de-duplicated) one `ebpfsh ARGS` run loaded. */
function modulesOf(args: string[]): string[] {
  const log = join(dir, `run-${n++}.log`);
  const r = spawnSync(process.execPath, ['--import', LOGGER, MAIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, EBPFSH_MODULE_LOG: log, EBPFSH_DEBUG: '' },
  });
  expect(r.error).toBeUndefined();
  return [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
}

const UI = /\/node_modules\/(ink|react|react-dom|react-reconciler|blessed|blessed-contrib)\//;
const named = (mods: string[], re: RegExp) => mods.filter((m) => re.test(m));

describe('start-up paths load only what they use', () => {
  it('--version loads no package at all (not even commander), and none of the commands, engine, probes, store or UI', () => {
    const mods = modulesOf(['--version']);
    expect(named(mods, /\/dist\/main\.js$/)).toHaveLength(1);
    expect(named(mods, /\/node_modules\//)).toEqual([]);
    expect(named(mods, /\/dist\/(commands|engine|probes|store|session|tui|event)\//)).toEqual([]);
  });

  it('trace loads neither ink, React nor blessed, nor the TUI, the store or SQLite', () => {
    // --explain takes the same imports as a live trace and stops before the kernel.
    const mods = modulesOf(['trace', '--explain', 'execsnoop', 'uid=0']);
    expect(named(mods, /\/dist\/commands\/trace-command\.js$/)).toHaveLength(1);
    expect(named(mods, /\/dist\/engine\/session\.js$/)).toHaveLength(1);
    expect(named(mods, UI)).toEqual([]);
    expect(named(mods, /\/dist\/(tui\/|store\/index\.js)|better-sqlite3/)).toEqual([]);
  });

  it('query and info load neither ink, React nor blessed, nor the TUI or the live engine', () => {
    for (const args of [['query', join(dir, 'none.db'), 'select 1'], ['info', join(dir, 'none.db')]]) {
      const mods = modulesOf(args);
      expect(named(mods, /\/dist\/store\/index\.js$/)).toHaveLength(1);
      expect(named(mods, UI)).toEqual([]);
      expect(named(mods, /\/dist\/tui\/|\/dist\/engine\/session\.js$/)).toEqual([]);
    }
  });

  it('--help loads no UI package', () => {
    expect(named(modulesOf(['--help']), UI)).toEqual([]);
  });

  it('the logger sees a UI package when one is loaded (so the checks above can fail)', () => {
    // replay of a missing file fails after its UI modules load.
    const mods = modulesOf(['replay', join(dir, 'none.db')]);
    expect(named(mods, UI).length).toBeGreaterThan(0);
  });
});
