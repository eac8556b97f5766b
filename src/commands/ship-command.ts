import { escapeTerminal } from '../text/index.js';
import { verifyCapture } from '../store/index.js';
import { FleetConnection, FleetError, ensureFleetSchema, fleetTarget, shipCapture, type ShipProgress } from '../fleet/index.js';
import { UsageError } from './errors.js';

/** Options of `ebpfsh ship`. */
export interface ShipCommandOptions {
  to: string;
  /** false with --no-verify: ship a capture whose chain does not verify. */
  verify?: boolean;
  batchRows?: number;
}

/** A fleet error as the CLI's usage error (one line, no stack). */
export function asUserError(e: unknown): unknown {
  return e instanceof FleetError ? new UsageError(e.message) : e;
}

/** Verdicts that ship without --no-verify: every row matches the chain (a capture whose recorder died verifies up to its last batch). */
const SHIPPABLE = new Set(['intact', 'incomplete']);

/** `[██████░░░░]  62%  1234000/2000000 rows  310000 rows/s` */
export function progressBar(p: ShipProgress, seconds: number, width = 24): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const full = Math.round(frac * width);
  const rate = seconds > 0 ? Math.round(p.sent / seconds) : 0;
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${p.done}/${p.total} rows  ${rate} rows/s`;
}

/**
 * Runs `ebpfsh ship CAPTURE... --to URL`: checks each capture's chain, then
 * ships it (tables and views created when missing). Shipping again adds
 * nothing; an interrupted ship resumes where it stopped.
 */
export async function runShip(files: string[], opts: ShipCommandOptions, err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  if (!files.length) throw new UsageError('usage: ebpfsh ship CAPTURE... --to http://host:8123[/database]');
  let conn: FleetConnection;
  try {
    conn = new FleetConnection(fleetTarget(opts.to));
  } catch (e) {
    throw asUserError(e);
  }
  const tty = process.stderr.isTTY === true;
  try {
    const skipped = await ensureFleetSchema(conn);
    if (skipped.length) err(`ebpfsh: views ClickHouse cannot run, not created: ${escapeTerminal(skipped.join('; '))}\n`);
    for (const f of files) {
      const name = escapeTerminal(f);
      let verdict = 'not checked (--no-verify)';
      if (opts.verify !== false) {
        const r = await verifyCapture(f);
        verdict = r.verdict;
        if (!SHIPPABLE.has(r.verdict)) throw new UsageError(`${f}: not shipped: its integrity chain says ${r.verdict.toUpperCase()} (ebpfsh verify ${f} says why; --no-verify ships it anyway)`);
      }
      const started = performance.now();
      let last = 0;
      const res = await shipCapture(conn, f, {
        batchRows: opts.batchRows,
        verdict,
        onProgress: (p) => {
          const now = performance.now();
          if (!tty || now - last < 100) return;
          last = now;
          err(`\r\x1b[Kship ${name} ${progressBar(p, (now - started) / 1000)}`);
        },
      });
      if (tty) err('\r\x1b[K');
      const secs = (performance.now() - started) / 1000;
      err(
        `shipped ${name} (host ${escapeTerminal(res.host)}, capture ${res.captureId}, ${verdict}): ${res.sent} rows in ${secs.toFixed(1)} s (${secs > 0 ? Math.round(res.sent / secs) : res.sent} rows/s), ${res.already} already in the store` +
          (res.coerced ? `; ${res.coerced} values did not fit their column and went as NULL/0` : '') +
          '\n',
      );
    }
    return 0;
  } catch (e) {
    throw asUserError(e);
  } finally {
    await conn.close();
  }
}
