import { Readable } from 'node:stream';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { FleetError } from './errors.js';
import type { FleetTarget } from './target.js';

/** A result of a fleet query: column names and types, and positional values. */
export interface FleetRows {
  columns: string[];
  types: string[];
  rows: unknown[][];
  truncated: boolean;
}

/** The first line of a server or network error, without ClickHouse's `e.what()` tail. */
function shortMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.replace(/,? e\.what\(\) = .*$/, '').replace(/^Code: \d+, e\.displayText\(\) = DB::Exception: /, '').slice(0, 400);
}

/** The network error code of a failure (ECONNREFUSED, ...), if any. */
function netCode(e: unknown): string | undefined {
  for (let x: unknown = e; x && typeof x === 'object'; x = (x as { cause?: unknown }).cause) {
    const c = (x as { code?: unknown }).code;
    if (typeof c === 'string' && /^E[A-Z]+$/.test(c)) return c;
  }
  return undefined;
}

/** True when a failure means the server could not be reached (worth retrying later), not that it refused the request. */
export function isUnreachable(e: unknown): boolean {
  return e instanceof FleetError && (e as FleetError & { unreachable?: boolean }).unreachable === true;
}

/** One connection to the fleet store (ClickHouse over HTTP(S)), with errors turned into one clear line. */
export class FleetConnection {
  private readonly client: ClickHouseClient;

  constructor(readonly target: FleetTarget, opts: { timeoutMs?: number; useDatabase?: boolean } = {}) {
    this.client = createClient({
      url: target.origin,
      username: target.user,
      password: target.password,
      // Shipping names every table with its database (which may not exist yet); queries run in it.
      database: opts.useDatabase ? target.database : 'default',
      request_timeout: opts.timeoutMs ?? 120_000,
      log: { level: ClickHouseLogLevel.OFF },
      // 18.16 predates some settings newer clients send by default: send none.
      clickhouse_settings: {},
    });
  }

  /** A FleetError for a failure of `what`. */
  private fail(what: string, e: unknown): FleetError {
    const code = netCode(e);
    const where = this.target.origin;
    let err: FleetError;
    if (code) err = Object.assign(new FleetError(`cannot reach ${where} (${code}) while ${what}: is ClickHouse running there?`), { unreachable: true });
    else if (/timeout/i.test(shortMessage(e))) err = Object.assign(new FleetError(`${where} did not answer in time while ${what}`), { unreachable: true });
    else if (/certificate|SSL|TLS/i.test(shortMessage(e)) && this.target.tls)
      err = new FleetError(`${where}: the server's TLS certificate is not trusted (${shortMessage(e)}) while ${what}: add its CA with NODE_EXTRA_CA_CERTS=/path/ca.pem`);
    else if (/Authentication failed|password is incorrect|Wrong password|Unknown user/i.test(shortMessage(e)))
      err = new FleetError(`${where} refused the login as '${this.target.user}' (credentials from ${this.target.credentialSource}): set the right user and password`);
    else err = new FleetError(`${where}: ${what} failed: ${shortMessage(e)}`);
    return err;
  }

  /** Runs a statement that returns nothing (DDL). */
  async command(sql: string, what = 'creating the fleet tables'): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (e) {
      throw this.fail(what, e);
    }
  }

  /** Inserts rows (objects keyed by column name) in one request: one block, so all or nothing. */
  async insert(table: string, rows: Record<string, unknown>[]): Promise<void> {
    try {
      await this.client.insert({ table: `${this.target.database}.${table}`, values: rows, format: 'JSONEachRow' });
    } catch (e) {
      throw this.fail(`inserting into ${table}`, e);
    }
  }

  /** Inserts a TabSeparated body into `columns` in one request: one block, so all or nothing. */
  async insertTsv(table: string, columns: string[], body: string): Promise<void> {
    try {
      await this.client.insert({ table: `${this.target.database}.${table}`, values: Readable.from([Buffer.from(body, 'utf8')], { objectMode: false }), format: 'TabSeparated', columns: columns as [string, ...string[]] });
    } catch (e) {
      throw this.fail(`inserting into ${table}`, e);
    }
  }

  /** Runs a query; read-only unless `write`, time- and row-limited. */
  async query(sql: string, opts: { timeoutS?: number; maxRows?: number; readonly?: boolean; what?: string } = {}): Promise<FleetRows> {
    const settings: Record<string, string> = {};
    // readonly=2: no writes or DDL, but the settings below may still be set for this query.
    if (opts.readonly !== false) settings.readonly = '2';
    if (opts.timeoutS) settings.max_execution_time = String(opts.timeoutS);
    if (opts.maxRows) {
      settings.max_result_rows = String(opts.maxRows + 1);
      settings.result_overflow_mode = 'break';
    }
    try {
      const r = await this.client.query({ query: sql, format: 'JSONCompact', clickhouse_settings: settings as never, query_params: undefined });
      const body = (await r.json()) as unknown as { meta: { name: string; type: string }[]; data: unknown[][] };
      const rows = body.data;
      const truncated = opts.maxRows !== undefined && rows.length > opts.maxRows;
      return { columns: body.meta.map((m) => m.name), types: body.meta.map((m) => m.type), rows: truncated ? rows.slice(0, opts.maxRows) : rows, truncated };
    } catch (e) {
      throw this.fail(opts.what ?? 'running the query', e);
    }
  }

  /** Answers /ping. */
  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()).success;
    } catch {
      return false;
    }
  }

  /** Closes the connection's sockets. */
  async close(): Promise<void> {
    await this.client.close();
  }
}
