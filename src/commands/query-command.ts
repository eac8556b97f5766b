import { CaptureReader, CaptureError, queryCaptures } from '../store/index.js';
import { warnIfChainBroken } from './chain-warning.js';
import { warnIfNotFinalized } from './unfinished-warning.js';
import { UsageError } from './errors.js';
import { QUERY_FORMATS, renderRows, type QueryFormat } from './query-output.js';
import { exampleTable } from './probe-list.js';

/** Options of `ebpfsh query`. */
export interface QueryOptions {
  format: string;
  timeout: number;
  maxRows: number;
  /** --on URL: run on the fleet store (ClickHouse) instead of captures. */
  on?: string;
}

/** Checks --format. */
export function queryFormat(v: string): QueryFormat {
  if (!(QUERY_FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${QUERY_FORMATS.join(', ')} (not '${v}')`);
  return v as QueryFormat;
}

/**
 * Runs `ebpfsh query FILE... SQL`: one read-only statement, time-limited,
 * against one capture, or several merged (each table gains a `host` column).
 */
export async function runQuery(args: string[], opts: QueryOptions): Promise<number> {
  if (opts.on !== undefined) {
    if (args.length !== 1) throw new UsageError('with --on, give only the SQL: ebpfsh query --on http://host:8123[/db] "SELECT host, count() FROM events GROUP BY host"');
    // Loaded on use: the ClickHouse client costs start-up time a local query does not need.
    const { runFleetQuery } = await import('./ship-query.js');
    return runFleetQuery(opts.on, args[0]!, { format: queryFormat(opts.format), timeout: opts.timeout, maxRows: opts.maxRows });
  }
  if (args.length < 2) throw new UsageError(`usage: ebpfsh query CAPTURE [CAPTURE...] "SQL" (e.g. ebpfsh query incident.db "SELECT comm, count(*) FROM ${exampleTable()} GROUP BY 1")`);
  const format = queryFormat(opts.format);
  const sql = args[args.length - 1]!;
  const files = args.slice(0, -1);
  const readers: CaptureReader[] = [];
  try {
    for (const f of files) {
      readers.push(CaptureReader.open(f));
      warnIfChainBroken(readers.at(-1)!, f);
      warnIfNotFinalized(readers.at(-1)!, f);
    }
    // One query, then exit: run it on this thread (no query process to start); a watchdog enforces --timeout.
    const q = { timeoutMs: opts.timeout * 1000, maxRows: opts.maxRows, inProcess: true };
    const result = readers.length === 1 ? await readers[0]!.query(sql, q) : await queryCaptures(readers, sql, q);
    const tty = process.stdout.isTTY === true;
    process.stdout.write(renderRows(result, format, { width: tty ? process.stdout.columns : undefined, escapeCsv: tty }));
    if (result.truncated) process.stderr.write(`ebpfsh: only the first ${opts.maxRows} rows are shown (raise --max-rows or add LIMIT/WHERE)\n`);
    return 0;
  } catch (e) {
    if (e instanceof CaptureError && e.code === 'QUERY') throw new CaptureError(e.message, e.code);
    throw e;
  } finally {
    for (const r of readers) r.close();
  }
}
