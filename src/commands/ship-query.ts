import { FleetConnection, fleetTarget } from '../fleet/index.js';
import { renderRows, type QueryFormat } from './query-output.js';
import { asUserError } from './ship-command.js';

/** An Int64/UInt64 cell (ClickHouse sends them quoted in JSON) as a number when exact, else a bigint. */
function intCell(v: unknown): unknown {
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : BigInt(v);
}

/** `Nullable(Int64)`, `UInt8`, ...: an integer column. */
const INT_TYPE = /^(Nullable\()?U?Int\d+\)?$/;

/**
 * Runs `ebpfsh query --on URL "SQL"`: one read-only statement on the fleet
 * store (readonly=2, time- and row-limited), printed in the same formats as
 * a local query.
 */
export async function runFleetQuery(url: string, sql: string, opts: { format: QueryFormat; timeout: number; maxRows: number }): Promise<number> {
  let conn: FleetConnection;
  try {
    conn = new FleetConnection(fleetTarget(url), { useDatabase: true, timeoutMs: (opts.timeout + 5) * 1000 });
  } catch (e) {
    throw asUserError(e);
  }
  try {
    const r = await conn.query(sql, { timeoutS: opts.timeout, maxRows: opts.maxRows });
    const ints = r.types.map((t) => INT_TYPE.test(t));
    const rows = r.rows.map((row) => row.map((v, i) => (ints[i] ? intCell(v) : v)));
    const tty = process.stdout.isTTY === true;
    process.stdout.write(renderRows({ columns: r.columns, rows }, opts.format, { width: tty ? process.stdout.columns : undefined, escapeCsv: tty }));
    if (r.truncated) process.stderr.write(`ebpfsh: only the first ${opts.maxRows} rows are shown (raise --max-rows or add LIMIT/WHERE)\n`);
    return 0;
  } catch (e) {
    throw asUserError(e);
  } finally {
    await conn.close();
  }
}
