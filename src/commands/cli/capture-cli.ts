import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliDeps } from './cli.js';
import type { HelpDetails } from './help-details.js';
import { UsageError } from '../errors.js';
import type { ZoneChoice } from '../../text/index.js';

// Each command's modules load in its action (see cli.ts): `query` must not pay for `tree` or `export`.

/** --utc / --local as commander gives them. */
interface ZoneFlags {
  utc?: boolean;
  local?: boolean;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`'${v}' is not a positive whole number`);
  return n;
}

/** The time-zone flags of a reader: the capture host's zone unless --utc or --local. */
function withZoneFlags(cmd: Command, host = "the capture host's zone"): Command {
  return cmd
    .addOption(new Option('--utc', 'show times in UTC').conflicts('local'))
    .addOption(new Option('--local', `show times in this machine's zone (default: ${host})`));
}

/** Sets the zone this run shows times in from the flags (the capture's host zone is resolved once it is open). */
async function chooseZone(o: ZoneFlags, byDefault: ZoneChoice = 'host'): Promise<void> {
  const [{ setDisplayZone }, { zoneChoiceOf }] = await Promise.all([import('../../text/index.js'), import('../capture-time.js')]);
  setDisplayZone(o.utc || o.local ? zoneChoiceOf(o) : byDefault, null);
}

/** Adds the commands that read captures (no root needed): info, verify, keygen, query, tree, ps, dash, replay, export. */
export function registerCaptureCommands(program: Command, deps: CliDeps, details?: HelpDetails): void {
  withZoneFlags(program
    .command('info')
    .description('what a capture holds: host, kernel, span, what was attached when, users (name(uid) and their events), losses, notes, unclean stop')
    .argument('<capture>', 'capture file'))
    .action(async (path: string, o: ZoneFlags) => {
      await chooseZone(o);
      const { runInfo } = await import('../info-command.js');
      runInfo(path);
    });

  program
    .command('verify')
    .description('check a capture is unchanged since it was recorded: every row against its integrity chain, the manifest, and with --key its signature (exit 0 only when intact)')
    .argument('<capture>', 'capture file')
    .option('--key <pub>', "the signer's public key (from ebpfsh keygen): check the manifest's signature")
    .action(async (path: string, o: { key?: string }) => {
      const { runVerify } = await import('../verify-command.js');
      process.exitCode = await runVerify(path, o);
    });

  program
    .command('keygen')
    .description('make an Ed25519 key pair for record --sign (private key 0600) and verify --key; never overwrites')
    .argument('<dir-or-prefix>', 'a directory (writes ebpfsh-signing.key and .pub in it) or a path prefix (writes PREFIX.key and PREFIX.pub)')
    .action(async (target: string) => {
      const { runKeygen } = await import('../keygen-command.js');
      runKeygen(target);
    });

  program
    .command('query')
    .description('run one read-only SQL statement against one or more captures')
    .argument('<captures-and-sql...>', `capture file(s), then the SQL, e.g. incident.db "SELECT comm, count(*) FROM ${details?.exampleTable ?? 'events'} GROUP BY 1"`)
    .addOption(new Option('-f, --format <format>', 'table, csv, json or ndjson').default('table'))
    .addOption(new Option('--timeout <seconds>', 'stop the query after this long').default(30).argParser(positiveInt))
    .addOption(new Option('--max-rows <n>', 'rows to print at most').default(100_000).argParser(positiveInt))
    .option('--on <url>', 'run on the fleet store instead: http(s)://host:8123[/database] (docs/fleet.md); then give only the SQL')
    .action(async (args: string[], o: { format: string; timeout: number; maxRows: number; on?: string }) => {
      const { runQuery } = await import('../query-command.js');
      process.exitCode = await runQuery(args, o);
    });

  program
    .command('ship')
    .description('load captures into ClickHouse (the fleet store, docs/fleet.md): idempotent, resumable; refuses a capture whose chain does not verify')
    .argument('<captures...>', 'capture files')
    .requiredOption('--to <url>', 'http(s)://host:8123[/database] (credentials: EBPFSH_CLICKHOUSE_USER/PASSWORD or a 0600 config file, never the url)')
    .option('--no-verify', 'ship even when the integrity chain does not verify')
    .addOption(new Option('--batch-rows <n>', 'rows per insert').argParser(positiveInt))
    .action(async (files: string[], o: { to: string; verify?: boolean; batchRows?: number }) => {
      const { runShip } = await import('../ship-command.js');
      process.exitCode = await runShip(files, o);
    });

  withZoneFlags(program
    .command('tree')
    .description('a process with its ancestors and descendants, and their execs, files and connections')
    .argument('<capture>', 'capture file')
    .requiredOption('-p, --pid <pid>', 'process id', positiveInt))
    .action(async (path: string, o: { pid: number } & ZoneFlags) => {
      await chooseZone(o);
      const { runTree } = await import('../tree-command.js');
      await runTree(path, o.pid);
    });

  withZoneFlags(program
    .command('ps')
    .description('the process table as it was at an instant of a capture: pid, parent, user, exe, argv, how long each had run, connections')
    .argument('<capture>', 'capture file')
    .requiredOption('--at <time>', 'the instant: 14:03:15[.250] (in the zone shown, as replay shows it), an ISO date-time, +30s from the start, 50%, note N, start or end')
    .option('--tree', 'as a tree of parents and children')
    .option('--json', 'as JSON'))
    .action(async (path: string, o: { at: string; tree?: boolean; json?: boolean } & ZoneFlags) => {
      await chooseZone(o);
      const { runPs } = await import('../ps-command.js');
      runPs(path, o.at, o);
    });

  program
    .command('dash')
    .description('full-screen dashboard of a capture: rates, top processes, connections, files, losses, coverage')
    .argument('<capture>', 'capture file')
    .action(async (path: string) => {
      deps.signals.exit(await deps.runDashboard(path));
    });

  withZoneFlags(program
    .command('replay')
    .description("the shell's screen fed from a capture: play, pause, speed, step, goto a time or note, filter, query, tree, detail")
    .argument('<capture>', 'capture file'))
    .action(async (path: string, o: ZoneFlags) => {
      await chooseZone(o);
      deps.signals.exit(await deps.runReplay(path));
    });

  withZoneFlags(program
    .command('export')
    .description('events of a capture as NDJSON or CSV, filtered with the usual grammar')
    .argument('<capture>', 'capture file')
    .argument('[filters...]', 'filters: uid=1000 comm=curl path=/etc/ failed ...')
    .addOption(new Option('-f, --format <format>', 'ndjson or csv').choices(['ndjson', 'csv']).default('ndjson'))
    .option('--probe <names>', 'only these probes (comma-separated)')
    .option('--binary <sha256>', 'instead of events: write the executed file with this hash (recorded with --collect-binaries) to -o FILE')
    .option('-o, --output <file>', 'with --binary: the file to create (never overwritten)'), 'UTC, as ISO 8601 with Z; --local gives ISO with the offset')
    .action(async (path: string, filters: string[], o: { format: 'ndjson' | 'csv'; probe?: string; binary?: string; output?: string } & ZoneFlags) => {
      const { runExport, runExportBinary } = await import('../export-command.js');
      if (o.binary !== undefined || o.output !== undefined) {
        if (filters.length) throw new UsageError('--binary takes no filters: ebpfsh export FILE --binary HASH -o OUT');
        const { escapeTerminal } = await import('../../text/index.js');
        const n = await runExportBinary(path, o.binary ?? '', o.output ?? '');
        process.stderr.write(`ebpfsh: wrote ${n} bytes to ${escapeTerminal(o.output!)} (sha256 verified)\n`);
        return;
      }
      await runExport(path, filters, { ...o, zone: o.local ? 'local' : 'utc' });
    });
}
