/**
 * The parts of the help text that come from the probe registry (profiles,
 * example probes, an example table). Loading the registry costs start-up
 * time that `query`, `info` or `--version` never need, so the CLI loads it
 * only when help will be shown (or a man page or completion script is made);
 * otherwise the descriptions, which nobody sees, use neutral wording.
 */
export interface HelpDetails {
  /** Probes a user attaches, in registry order. */
  exampleProbes: string[];
  /** `forensic, files, network, all` */
  profiles: string;
  /** The profile `record` and `ebpfsh -w` attach when no probe is named. */
  defaultProfile: string;
  /** A probe table for SQL examples. */
  exampleTable: string;
}

/** Loads the registry-derived help text. */
export async function loadHelpDetails(): Promise<HelpDetails> {
  const list = await import('../probe-list.js');
  return { exampleProbes: list.exampleProbes(), profiles: list.profileNames(), defaultProfile: list.DEFAULT_PROFILE, exampleTable: list.exampleTable() };
}

/** Whether argv will print help (`-h`, `--help`, `help CMD`), so the help text must be the real one. */
export function showsHelp(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  const opts = end < 0 ? args : args.slice(0, end);
  return opts.includes('-h') || opts.includes('--help') || args[0] === 'help';
}
