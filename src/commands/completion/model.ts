import type { Argument, Command, Option } from 'commander';
import { commonKeyDocs } from '../../event/index.js';
import { PROBES, PROFILES, profileProbes, type ProbeSpec } from '../../probes/index.js';
import { DEFAULT_PROFILE } from '../probe-list.js';

/** What a word completes to: nothing known, probe lists, filter clauses, captures (*.db), any file, directories, or fixed choices. */
export type WordKind = { kind: 'none' | 'probes' | 'filters' | 'capture' | 'file' | 'dir' } | { kind: 'choices'; choices: string[] };

/** One option as completion sees it. */
export interface OptionModel {
  /** `-d`, `--duration` */
  flags: string[];
  description: string;
  /** What its value completes to; undefined for a flag without a value. */
  value?: WordKind;
}

/** One positional argument. */
export interface ArgumentModel {
  name: string;
  description: string;
  variadic: boolean;
  required: boolean;
  value: WordKind;
}

/** A (sub)command: its name, options and positional arguments. */
export interface CommandModel {
  name: string;
  description: string;
  options: OptionModel[];
  args: ArgumentModel[];
}

/** Everything a completion script needs: the program's commands (from commander) and the words the registry knows. */
export interface CompletionModel {
  top: CommandModel;
  commands: CommandModel[];
  /** Probe names and profiles. */
  probes: string[];
  /** Filter keys (`uid`, `path`, ...), without the `=`: every probe's. */
  filterKeys: string[];
  /** The keys every probe has. */
  commonKeys: string[];
  /** For each probe name, alias and profile: the keys its probes add to the common ones. */
  probeKeys: Record<string, string[]>;
  /** What `record` attaches when no probe is named. */
  defaultProfile: string;
  /** Filter words that take no value. */
  filterFlags: string[];
}

// What a value is, read from the name commander shows for it (`<file>`, `<capture>`):
// the help text is the one place these names are written.
const BY_NAME: Record<string, WordKind['kind']> = {
  probes: 'probes',
  names: 'probes',
  filters: 'filters',
  capture: 'capture',
  'captures-and-sql': 'capture',
  file: 'file',
  keyfile: 'file',
  pub: 'file',
  'dir-or-prefix': 'file',
  dir: 'dir',
};

function kindOf(name: string, choices: readonly string[] | undefined): WordKind {
  if (choices?.length) return { kind: 'choices', choices: [...choices] };
  return { kind: BY_NAME[name] ?? 'none' } as WordKind;
}

function optionModel(o: Option): OptionModel {
  const flags = [o.short, o.long].filter((f): f is string => !!f);
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  return { flags, description: o.description, value: valueName === undefined ? undefined : kindOf(valueName, o.argChoices) };
}

function argumentModel(a: Argument): ArgumentModel {
  return { name: a.name(), description: a.description, variadic: a.variadic, required: a.required, value: kindOf(a.name(), a.argChoices) };
}

function commandModel(c: Command): CommandModel {
  const help = c.createHelp();
  return {
    name: c.name(),
    description: c.description(),
    options: help.visibleOptions(c).map(optionModel),
    args: c.registeredArguments.map(argumentModel),
  };
}

/** Reads the commands from the commander program and the probe words from the registry. */
export function completionModel(program: Command): CompletionModel {
  const common = Object.keys(commonKeyDocs()).filter((k) => k !== 'failed');
  const keys = new Set<string>(common);
  for (const p of PROBES) for (const k of Object.keys(p.filterKeys)) keys.add(k);
  const keysOf = (probes: readonly ProbeSpec[]) => [...new Set(probes.flatMap((p) => Object.keys(p.filterKeys)))];
  const probeKeys: Record<string, string[]> = {};
  for (const p of PROBES) for (const name of [p.name, ...p.aliases]) probeKeys[name] = keysOf([p]);
  for (const name of Object.keys(PROFILES)) probeKeys[name] = keysOf(profileProbes(name) ?? []);
  return {
    commonKeys: common,
    probeKeys,
    defaultProfile: DEFAULT_PROFILE,
    top: commandModel(program),
    commands: program.commands.map(commandModel),
    probes: [...PROBES.map((p) => p.name), ...Object.keys(PROFILES)],
    filterKeys: [...keys],
    filterFlags: ['failed', '!failed'],
  };
}
