import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDocumentedProgram, manPage, type CliDeps } from '../../../src/commands/cli/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const unused = () => {
  throw new Error('not run');
};
const deps = { signals: {}, engineFactory: unused, runShell: unused, runReplay: unused, runDashboard: unused } as unknown as CliDeps;
const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-man-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** roff's spelling of help text: hyphens are minus signs, a slash may break. */
const asRoff = (s: string) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/\//g, '/\\:');

/** The man page rendered by man(1) as plain text. */
function render(page: string): { text: string; warnings: string } {
  const file = join(dir, 'ebpfsh.1');
  writeFileSync(file, page);
  const r = spawnSync('man', ['-l', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '', MANPAGER: 'cat', PAGER: 'cat' } });
  expect(r.status).toBe(0);
  return { text: r.stdout.replace(/.\x08/g, ''), warnings: r.stderr };
}

describe('the man page ebpfsh.1', () => {
  it("holds every subcommand with its usage, description, arguments and every option as --help words them", async () => {
    const program = await buildDocumentedProgram(deps);
    const page = manPage(program, '9.9.9');
    const help = program.createHelp();
    expect(program.commands.length).toBeGreaterThan(10);
    for (const c of program.commands) {
      const start = page.indexOf(`.SS "${asRoff(help.commandUsage(c))}"`);
      expect(start, c.name()).toBeGreaterThan(0);
      const next = page.indexOf('\n.SS ', start + 1);
      const section = page.slice(start, next < 0 ? page.indexOf('\n.SH ', start) : next);
      expect(section).toContain(asRoff(help.commandDescription(c)));
      for (const a of help.visibleArguments(c)) expect(section).toContain(asRoff(help.argumentDescription(a)));
      for (const o of help.visibleOptions(c)) {
        expect(section, `${c.name()} ${o.flags}`).toContain(`\\fB${asRoff(help.optionTerm(o))}\\fR`);
        expect(section).toContain(asRoff(help.optionDescription(o)));
      }
    }
  });

  it('is made from the program, not kept by hand: an option added to the CLI appears in it', async () => {
    const program = await buildDocumentedProgram(deps);
    program.commands.find((c) => c.name() === 'trace')!.option('--brand-new <thing>', 'an option nobody wrote into the page');
    const page = manPage(program, '9.9.9');
    expect(page).toContain('\\fB\\-\\-brand\\-new <thing>\\fR\nan option nobody wrote into the page');
  });

  it('is not in the repository, and the build writes it from the built CLI (scripts/gen-man.mjs)', () => {
    const tracked = spawnSync('git', ['ls-files', '*.1', '**/*.1'], { cwd: ROOT, encoding: 'utf8' });
    expect(tracked.stdout).toBe('');
    expect(readFileSync(join(ROOT, 'scripts/build.sh'), 'utf8')).toMatch(/^node scripts\/gen-man\.mjs$/m);
    const out = join(dir, 'generated.1');
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/gen-man.mjs'), out], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page).toMatch(/^\.\\" Generated from `ebpfsh --help`/);
    expect(page).toContain('.SS "ebpfsh trace [options] <probes> [filters...]"');
  });

  it('man -l renders it without warnings, with the same words as --help', async () => {
    const program = await buildDocumentedProgram(deps);
    const { text, warnings } = render(manPage(program, '9.9.9'));
    expect(warnings).toBe('');
    expect(text).toMatch(/^EBPFSH\(1\)\s+User Commands\s+EBPFSH\(1\)/);
    expect(text).toMatch(/\n\s+ebpfsh trace \[options\] <probes> \[filters\.\.\.\]\n/);
    expect(text).toMatch(/-w, --write <file>/);
    expect(text).toMatch(/ebpfsh 9\.9\.9/);
  });
});

describe('install-tree', () => {
  // The test install (test/global-setup.ts, as root) is made by scripts/install-tree.sh.
  const bin = process.env.EBPFSH_TEST_OTHER_BIN;
  it.runIf(!!bin)('installs the man page and the bash and zsh completion scripts beside the program', () => {
    const dest = join(bin!, '..', '..');
    expect(readFileSync(join(dest, 'share/man/man1/ebpfsh.1'), 'utf8')).toMatch(/^\.\\" Generated from `ebpfsh --help`/);
    expect(readFileSync(join(dest, 'share/bash-completion/completions/ebpfsh'), 'utf8')).toMatch(/\ncomplete -F _ebpfsh ebpfsh\n$/);
    expect(readFileSync(join(dest, 'share/zsh/site-functions/_ebpfsh'), 'utf8')).toMatch(/^#compdef ebpfsh\n/);
  });
});
