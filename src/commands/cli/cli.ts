import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { reportAndExit } from '../errors.js';
import { registerCaptureCommands } from './capture-cli.js';
import { loadHelpDetails, showsHelp, type HelpDetails } from './help-details.js';
import type { Signals } from '../signals.js';
import type { Engine, EngineOptions } from '../../engine/index.js';
import { VERSION, VERSION_LINE } from '../../text/version.js';

// Start-up: this module and the ones it imports statically are what every
// command pays for. Each command's own modules (the engine and its addon, the
// probe registry, the store and SQLite, the TUI) load in its action, with a
// literal import() path so a bundler can still follow it.

/**
 * What the CLI runs but does not build: the full-screen UIs (src/tui) and the
 * process's signals and exit, injected by src/main.ts so no command imports the TUI.
 */
export interface CliDeps {
  signals: Signals;
  /** Loads the live engine (and its addon) and gives its factory: only trace, record, probes and doctor pay for it. */
  engineFactory(): Promise<(opts?: EngineOptions) => Engine>;
  /** The interactive shell; resolves to the exit code. */
  runShell(opts: { write?: string }): Promise<number>;
  /** `ebpfsh replay FILE`; resolves to the exit code. */
  runReplay(path: string): Promise<number>;
  /** `ebpfsh dash FILE`; resolves to the exit code. */
  runDashboard(path: string): Promise<number>;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`'${v}' is not a positive number`);
  return n;
}

/** `comma-separated probe names or profiles (PROFILES), e.g. A,B` for a probes argument. */
function probesArgHelp(d: HelpDetails | undefined, examples: (probes: string[]) => string[]): string {
  if (!d) return 'comma-separated probe names or profiles (ebpfsh probes lists them)';
  return `comma-separated probe names or profiles (${d.profiles}), e.g. ${examples(d.exampleProbes).join(',')}`;
}

/**
 * Builds the commander program. `details` is the registry-derived help text
 * (loadHelpDetails); without it the help is worded without probe names, for
 * runs that show no help.
 */
export function buildProgram(deps: CliDeps, details?: HelpDetails): Command {
  const d = details;
  const program = new Command('ebpfsh')
    .description('interactive eBPF investigation shell for incident responders')
    .version(VERSION_LINE)
    .showHelpAfterError('(run ebpfsh --help for usage)')
    // Set before subcommands are added: they copy these settings.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `ebpfsh: ${s.slice(7)}` : s) });

  program
    .command('probes')
    .description('list probes, aliases, filter keys and attach points')
    .option('-v, --verbose', 'also list fields and probe-specific keys')
    .action(async (o: { verbose?: boolean }) => {
      const { checkProbes, describeProbes } = await import('../probes-command.js');
      const checks = checkProbes(await deps.engineFactory());
      if (typeof checks === 'string') process.stderr.write(`ebpfsh: not checking this kernel's attach points: ${checks}\n`);
      process.stdout.write(describeProbes(typeof checks === 'string' ? new Map() : checks, o.verbose) + '\n');
    });

  program
    .command('trace')
    .description(d ? `print events until Ctrl-C (like bcc ${d.exampleProbes.join('/')})` : 'print events until Ctrl-C (like bcc\'s tools)')
    .argument('<probes>', probesArgHelp(d, (p) => [p[0]!, p.at(-1)!]))
    .argument('[filters...]', 'filters: uid=1000 comm=vi,vim path=/etc/ follow=4242 failed ...')
    .option('--json', 'NDJSON: one event per line')
    .option('--explain', 'show where each filter runs (kernel or userspace) and exit')
    .option('--no-header', 'no column header')
    .addOption(new Option('-d, --duration <seconds>', 'stop after this many seconds').argParser(positiveNumber))
    .addOption(new Option('-n, --count <events>', 'stop after this many events').argParser(positiveNumber))
    .action(async (probes: string, filters: string[], o: { json?: boolean; explain?: boolean; header?: boolean; duration?: number; count?: number }) => {
      const [{ runTrace }, newEngine] = await Promise.all([import('../trace-command.js'), deps.engineFactory()]);
      process.exitCode = await runTrace(probes, filters, { ...o, signals: deps.signals, newEngine });
    });

  program
    .command('record')
    .description('record events to a capture file until Ctrl-C (like tcpdump -w); rates and losses on stderr')
    .requiredOption('-w, --write <file>', 'capture file to create (SQLite; never overwritten)')
    .argument('[probes]', `${probesArgHelp(d, (p) => p.slice(0, 2))}; default: ${d?.defaultProfile ?? 'the default profile'}`)
    .argument('[filters...]', 'filters: uid=1000 comm=vi,vim path=/etc/ follow=4242 failed ...')
    .addOption(new Option('-d, --duration <seconds>', 'stop after this many seconds').argParser(positiveNumber))
    .option('--collect-binaries', 'also store each executed file in the capture, once per sha256 (ebpfsh export FILE --binary HASH writes it out)')
    .addOption(new Option('--binary-limit <MiB>', 'executed files over this size are neither hashed nor collected (default: hash 256, collect 64)').argParser(positiveNumber))
    .option('--no-binary-hashes', 'do not hash executed files')
    .option('--sign <keyfile>', 'sign the capture\'s manifest with this Ed25519 private key (ebpfsh keygen) when recording stops')
    .option('--ship <url>', 'also stream the capture to the fleet store (ClickHouse) at http(s)://host:8123[/database]; the capture is still written (docs/fleet.md)')
    .action(async (first: string | undefined, rest: string[], o: { write: string; duration?: number; collectBinaries?: boolean; binaryLimit?: number; binaryHashes?: boolean; sign?: string; ship?: string }) => {
      const [{ probesAndFilters }, { runRecord }, newEngine] = await Promise.all([import('../probe-list.js'), import('../record-command.js'), deps.engineFactory()]);
      const { probes, filters } = probesAndFilters(first === undefined ? rest : [first, ...rest]);
      process.exitCode = await runRecord(probes, filters, { ...o, binaryLimitMib: o.binaryLimit, version: VERSION, signals: deps.signals, newEngine });
    });

  program
    .command('doctor')
    .description('what works on this host before an incident: BTF, tracefs, lockdown, memlock, attach types, each probe, free space')
    .option('--json', 'the same report as data')
    .option('--dir <dir>', 'where captures would go (free space)', '.')
    .action(async (o: { json?: boolean; dir: string }) => {
      const [{ runDoctor }, newEngine] = await Promise.all([import('../doctor-command.js'), deps.engineFactory()]);
      process.exitCode = runDoctor(newEngine, o);
    });

  program
    .command('recover')
    .description('finalize in place a capture whose recorder died or could not stop in time (root, as it was recorded)')
    .argument('<capture>', 'capture file')
    .action(async (path: string) => {
      const { runRecover } = await import('../recover-command.js');
      await runRecover(path);
    });

  registerCaptureCommands(program, deps, d);

  program
    .command('completion')
    .description('print a shell completion script: subcommands, options, probes, profiles, filter keys, capture files')
    .addArgument(new Argument('<shell>', 'bash or zsh, e.g. ebpfsh completion bash > /usr/local/share/bash-completion/completions/ebpfsh').choices(['bash', 'zsh']))
    .action(async (shell: string) => {
      const { completionScript } = await import('../completion/index.js');
      process.stdout.write(completionScript(shell, buildProgram(deps, await loadHelpDetails())));
    });

  // `ebpfsh` alone starts the interactive shell. Positional options keep the
  // shell's -w from swallowing a subcommand's own -w (e.g. `record -w`).
  program
    .enablePositionalOptions()
    .option('-w, --write <file>', `shell: attach the ${d ? d.defaultProfile : 'default'} profile and record everything it sees to a capture file`)
    .action(async (o: { write?: string }) => {
      // Exit outright: the TTY handles ink used stay referenced after it unmounts.
      deps.signals.exit(await deps.runShell(o));
    });

  return program;
}

/** The program with its full help text (for the man page and completion scripts). */
export async function buildDocumentedProgram(deps: CliDeps): Promise<Command> {
  return buildProgram(deps, await loadHelpDetails());
}

/** Parses argv and runs the command, turning every failure into one clear line. */
export async function runCli(argv: string[], deps: CliDeps): Promise<void> {
  try {
    const program = buildProgram(deps, showsHelp(argv) ? await loadHelpDetails() : undefined);
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    reportAndExit(e);
  }
}
