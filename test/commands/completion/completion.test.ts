import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDocumentedProgram, type CliDeps } from '../../../src/commands/cli/index.js';
import { completionScript } from '../../../src/commands/completion/index.js';
import { commonKeyDocs } from '../../../src/event/index.js';
import { PROBES, PROFILES, profileProbes } from '../../../src/probes/index.js';
import { DEFAULT_PROFILE } from '../../../src/commands/probe-list.js';

const unused = () => {
  throw new Error('not run');
};
const deps = { signals: {}, engineFactory: unused, runShell: unused, runReplay: unused, runDashboard: unused } as unknown as CliDeps;

let dir: string;
let bashScript: string;
let zshScript: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ebpfsh-completion-'));
  mkdirSync(join(dir, 'caps', 'old'), { recursive: true });
  for (const f of ['caps/incident.db', 'caps/notes.txt', 'caps/old/monday.db', 'key.pub']) writeFileSync(join(dir, f), '');
  bashScript = join(dir, 'ebpfsh.bash');
  writeFileSync(bashScript, completionScript('bash', await buildDocumentedProgram(deps)));
  zshScript = completionScript('zsh', await buildDocumentedProgram(deps));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What bash offers for `line` (the cursor at its end): the script is sourced
 * into a real bash, which is given the COMP_* variables it sets for a Tab
 * (COMP_WORDS split at blanks and at =, as COMP_WORDBREAKS does) and runs
 * the function `complete -p ebpfsh` names.
 */
function complete(line: string): string[] {
  const driver = `
source "$1"
fn=$(complete -p ebpfsh | sed -E 's/.*-F ([^ ]+).*/\\1/')
COMP_LINE=$2; COMP_POINT=\${#2}
split=\${2//=/ = }
read -ra COMP_WORDS <<<"$split"
[[ $2 == *[[:space:]] || $2 == *= ]] && COMP_WORDS+=('')
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
COMPREPLY=()
"$fn" ebpfsh "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'driver', bashScript, line], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

const sorted = (xs: string[]) => [...xs].sort();

describe('ebpfsh completion bash, in a real bash', () => {
  it('completes subcommands from the CLI itself', () => {
    expect(complete('ebpfsh tr')).toEqual(['trace', 'tree']);
    expect(complete('ebpfsh ')).toEqual(expect.arrayContaining(['trace', 'record', 'query', 'replay', 'doctor', 'completion']));
  });

  it("completes a subcommand's options, and ebpfsh's own", () => {
    expect(complete('ebpfsh trace --')).toEqual(sorted(['--json', '--explain', '--no-header', '--duration', '--count', '--help']));
    expect(complete('ebpfsh record --c')).toEqual(['--collect-binaries']);
    expect(complete('ebpfsh -')).toEqual(sorted(['-V', '--version', '-w', '--write', '-h', '--help']));
  });

  it('completes probe names and profiles from the registry, also after a comma', () => {
    const all = [...PROBES.map((p) => p.name), ...Object.keys(PROFILES)];
    expect(complete('ebpfsh trace ')).toEqual(sorted(all));
    const first = PROBES[0]!.name;
    const second = PROBES[1]!.name;
    expect(complete(`ebpfsh trace ${first},${second.slice(0, 3)}`)).toEqual(sorted(all.filter((n) => n.startsWith(second.slice(0, 3))).map((n) => `${first},${n}`)));
    expect(complete(`ebpfsh record -w out.db ${Object.keys(PROFILES)[0]!.slice(0, 3)}`)).toContain(Object.keys(PROFILES)[0]);
  });

  it("completes filter keys (as key=) after the probes: the common ones and those of the probes named, from the registry", () => {
    const common = Object.keys(commonKeyDocs()).filter((k) => k !== 'failed');
    const words = (probes: readonly (typeof PROBES)[number][]) =>
      sorted([...new Set([...common, ...probes.flatMap((p) => Object.keys(p.filterKeys))])].map((k) => `${k}=`).concat(['failed', '!failed']));
    const [a, b] = [PROBES[0]!, PROBES.find((p) => Object.keys(p.filterKeys).some((k) => !(k in PROBES[0]!.filterKeys)))!];
    expect(complete(`ebpfsh trace ${a.name} `)).toEqual(words([a]));
    expect(complete(`ebpfsh trace ${a.aliases[0]},${b.name} `)).toEqual(words([a, b]));
    expect(complete(`ebpfsh trace ${a.name} ui`)).toEqual(['uid=']);
    // a value after the = : nothing is offered (bash would otherwise insert a key there)
    expect(complete(`ebpfsh trace ${a.name} uid=`)).toEqual([]);
    // export --probe names the probes; without it, every probe's keys
    expect(complete(`ebpfsh export caps/incident.db --probe ${b.name} `)).toEqual(words([b]));
    expect(complete('ebpfsh export caps/incident.db ')).toEqual(words(PROBES));
  });

  it("record's probes may be left out: filters of the default profile are offered beside the probe names, and after a filter", () => {
    const profile = profileProbes(DEFAULT_PROFILE)!;
    const keys = new Set([...Object.keys(commonKeyDocs()), ...profile.flatMap((p) => Object.keys(p.filterKeys))]);
    const got = complete('ebpfsh record -w out.db ');
    expect(got).toEqual(expect.arrayContaining([...PROBES.map((p) => p.name), DEFAULT_PROFILE, 'uid=', 'failed']));
    expect(got.filter((w) => w.endsWith('=')).map((w) => w.slice(0, -1)).every((k) => keys.has(k))).toBe(true);
    const after = complete('ebpfsh record -w out.db uid=0 ');
    expect(after).toContain('comm=');
    expect(after.filter((w) => !w.endsWith('=') && !w.endsWith('failed'))).toEqual([]);
  });

  it('completes capture files (*.db and directories) for the commands that read one', () => {
    for (const cmd of ['replay', 'info', 'query', 'tree', 'ps', 'dash', 'verify', 'export', 'recover']) expect(complete(`ebpfsh ${cmd} caps/`)).toEqual(['caps/incident.db', 'caps/old']);
    expect(complete('ebpfsh query caps/incident.db caps/old/')).toEqual(['caps/old/monday.db']);
  });

  it("completes option values: files, directories and an option's choices", () => {
    expect(complete('ebpfsh export caps/incident.db -f ')).toEqual(['csv', 'ndjson']);
    expect(complete('ebpfsh verify caps/incident.db --key k')).toEqual(['key.pub']);
    expect(complete('ebpfsh doctor --dir c')).toEqual(['caps']);
    expect(complete('ebpfsh trace --duration ')).toEqual([]);
    expect(complete('ebpfsh completion ')).toEqual(['bash', 'zsh']);
  });

  it('an unknown shell is one clear line naming the choices', () => {
    expect(() => completionScript('fish', { commands: [] } as never)).toThrow(/^no completion for 'fish': ebpfsh completion bash, or ebpfsh completion zsh$/);
  });
});

describe('ebpfsh completion zsh', () => {
  it('is a #compdef function with every subcommand, option, probe, profile and filter key', async () => {
    expect(zshScript.startsWith('#compdef ebpfsh\n')).toBe(true);
    const program = await buildDocumentedProgram(deps);
    for (const c of program.commands) {
      expect(zshScript).toContain(`\t\t${c.name()}) _arguments`);
      for (const o of c.options) if (o.long) expect(zshScript).toContain(o.long);
    }
    for (const p of PROBES) expect(zshScript).toContain(`'${p.name}'`);
    for (const p of Object.keys(PROFILES)) expect(zshScript).toContain(`'${p}'`);
    expect(zshScript).toContain('_files -g "*.db(-.)"');
    expect(zshScript).toContain('compadd -S = -q -- $keys');
  });

  // zsh comes with the set-up (scripts/setup.sh), so this runs wherever the suite does.
  it('parses in zsh', () => {
    const r = spawnSync('zsh', ['-n'], { input: zshScript, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
