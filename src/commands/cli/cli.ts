import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PROFILE, exampleProbes, probesAndFilters, profileNames } from '../probe-list.js';
import { checkProbes, describeProbes } from '../probes-command.js';
import { runTrace } from '../trace-command.js';
import { reportAndExit } from '../errors.js';
import { registerCaptureCommands } from './capture-cli.js';
import type { Signals } from '../signals.js';
import type { Engine } from '../../engine/index.js';
import { VERSION } from '../../text/version.js';

/**
 * What the CLI runs but does not build: the full-screen UIs (src/tui) and the
 * process's signals and exit, injected by src/main.ts so no command imports the TUI.
 */
export interface CliDeps {
  signals: Signals;
  /** Builds a live engine (trace, record, probes). */
  newEngine(): Engine;
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

/** Builds the commander program. */
export function buildProgram(deps: CliDeps): Command {
  const program = new Command('ebpfsh')
    .description('interactive eBPF investigation shell for incident responders')
    .version(VERSION)
    .showHelpAfterError('(run ebpfsh --help for usage)')
    // Set before subcommands are added: they copy these settings.
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `ebpfsh: ${s.slice(7)}` : s) });

  program
    .command('probes')
    .description('list probes, aliases, filter keys and attach points')
    .option('-v, --verbose', 'also list fields and probe-specific keys')
    .action((o: { verbose?: boolean }) => {
      const checks = checkProbes(deps.newEngine);
      if (typeof checks === 'string') process.stderr.write(`ebpfsh: not checking this kernel's attach points: ${checks}\n`);
      process.stdout.write(describeProbes(typeof checks === 'string' ? new Map() : checks, o.verbose) + '\n');
    });

  program
    .command('trace')
    .description(`print events until Ctrl-C (like bcc ${exampleProbes().join('/')})`)
    .argument('<probes>', `comma-separated probe names or profiles (${profileNames()}), e.g. ${[exampleProbes()[0], exampleProbes().at(-1)].join(',')}`)
    .argument('[filters...]', 'filters: uid=1000 comm=vi,vim path=/etc/ follow=4242 failed ...')
    .option('--json', 'NDJSON: one event per line')
    .option('--explain', 'show where each filter runs (kernel or userspace) and exit')
    .option('--no-header', 'no column header')
    .addOption(new Option('-d, --duration <seconds>', 'stop after this many seconds').argParser(positiveNumber))
    .addOption(new Option('-n, --count <events>', 'stop after this many events').argParser(positiveNumber))
    .action(async (probes: string, filters: string[], o: { json?: boolean; explain?: boolean; header?: boolean; duration?: number; count?: number }) => {
      process.exitCode = await runTrace(probes, filters, { ...o, signals: deps.signals, newEngine: deps.newEngine });
    });

  program
    .command('record')
    .description('record events to a capture file until Ctrl-C (like tcpdump -w); rates and losses on stderr')
    .requiredOption('-w, --write <file>', 'capture file to create (SQLite; never overwritten)')
    .argument('[probes]', `comma-separated probe names or profiles (${profileNames()}), e.g. ${exampleProbes().slice(0, 2).join(',')}; default: ${DEFAULT_PROFILE}`)
    .argument('[filters...]', 'filters: uid=1000 comm=vi,vim path=/etc/ follow=4242 failed ...')
    .addOption(new Option('-d, --duration <seconds>', 'stop after this many seconds').argParser(positiveNumber))
    .option('--collect-binaries', 'also store each executed file in the capture, once per sha256 (ebpfsh export FILE --binary HASH writes it out)')
    .addOption(new Option('--binary-limit <MiB>', 'executed files over this size are neither hashed nor collected (default: hash 256, collect 64)').argParser(positiveNumber))
    .option('--no-binary-hashes', 'do not hash executed files')
    .option('--sign <keyfile>', 'sign the capture\'s manifest with this Ed25519 private key (ebpfsh keygen) when recording stops')
    .option('--ship <url>', 'also stream the capture to the fleet store (ClickHouse) at http(s)://host:8123[/database]; the capture is still written (docs/fleet.md)')
    .action(async (first: string | undefined, rest: string[], o: { write: string; duration?: number; collectBinaries?: boolean; binaryLimit?: number; binaryHashes?: boolean; sign?: string; ship?: string }) => {
      const { probes, filters } = probesAndFilters(first === undefined ? rest : [first, ...rest]);
      // Loaded on use: the store (and SQLite) costs start-up time trace and probes do not need.
      const { runRecord } = await import('../record-command.js');
      process.exitCode = await runRecord(probes, filters, { ...o, binaryLimitMib: o.binaryLimit, version: VERSION, signals: deps.signals, newEngine: deps.newEngine });
    });

  program
    .command('doctor')
    .description('what works on this host before an incident: BTF, tracefs, lockdown, memlock, attach types, each probe, free space')
    .option('--json', 'the same report as data')
    .option('--dir <dir>', 'where captures would go (free space)', '.')
    .action(async (o: { json?: boolean; dir: string }) => {
      const { runDoctor } = await import('../doctor-command.js');
      process.exitCode = runDoctor(deps.newEngine, o);
    });

  program
    .command('recover')
    .description('finalize in place a capture whose recorder died or could not stop in time (root, as it was recorded)')
    .argument('<capture>', 'capture file')
    .action(async (path: string) => {
      const { runRecover } = await import('../recover-command.js');
      await runRecover(path);
    });

  registerCaptureCommands(program, deps);

  // `ebpfsh` alone starts the interactive shell. Positional options keep the
  // shell's -w from swallowing a subcommand's own -w (e.g. `record -w`).
  program
    .enablePositionalOptions()
    .option('-w, --write <file>', `shell: attach the ${DEFAULT_PROFILE} profile and record everything it sees to a capture file`)
    .action(async (o: { write?: string }) => {
      // Exit outright: the TTY handles ink used stay referenced after it unmounts.
      deps.signals.exit(await deps.runShell(o));
    });

  return program;
}

/** Parses argv and runs the command, turning every failure into one clear line. */
export async function runCli(argv: string[], deps: CliDeps): Promise<void> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    reportAndExit(e);
  }
}
