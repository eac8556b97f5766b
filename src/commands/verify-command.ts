import { escapeTerminal } from '../text/index.js';
import { loadPublicKey, readKeyFile, verifyCapture, type Finding, type Verdict, type VerifyReport } from '../store/index.js';
import { wallTime } from '../engine/index.js';
import { dateTimeIn, resolveZone } from '../text/index.js';

/** verify reads the file without the reader (no host zone): its times are UTC, and say so. */
const UTC = resolveZone('utc', null);
const utcTime = (ns: number, offsetNs: number) => dateTimeIn(UTC, wallTime({ offsetNs }, ns).getTime());
import { errorLine } from './errors.js';

/** Exit code of each verdict (docs/evidence.md); 2 is for a file that is not a readable capture, or a bad --key. */
export const VERIFY_EXIT: Record<Verdict, number> = { intact: 0, tampered: 1, incomplete: 3, unverifiable: 4 };
/** Exit code when verification could not run at all. */
export const VERIFY_ERROR_EXIT = 2;

/** Problems printed at most. */
const MAX_LINES = 100;

/** One finding as a line: what, and the batch's time range when known. */
function findingLine(f: Finding, offsetNs: number): string {
  const when = typeof f.tsMin === 'number' && typeof f.tsMax === 'number' ? ` [${utcTime(f.tsMin, offsetNs)} .. ${utcTime(f.tsMax, offsetNs)} UTC]` : '';
  return `  ${escapeTerminal(f.what)}${when}`;
}

/** The text `ebpfsh verify` prints for a report. */
export function formatVerify(path: string, r: VerifyReport, seconds: number): string {
  const e = escapeTerminal;
  const rate = seconds > 0 ? ` in ${seconds.toFixed(1)} s, ${Math.round(r.rows / seconds)} rows/s` : '';
  const lines: string[] = [];
  const head: Record<Verdict, string> = {
    intact: `INTACT: chain of ${r.batches} batches and the manifest match every row (${r.rows} rows checked${rate})`,
    tampered: `NOT INTACT: ${r.problems.length} problem(s) (${r.rows} rows checked${rate})`,
    incomplete: `INCOMPLETE: no manifest; the chain of ${r.batches} batches matches every row it covers (${r.rows} rows checked${rate})`,
    unverifiable: 'UNVERIFIABLE (no chain)',
  };
  lines.push(`${e(path)}: ${head[r.verdict]}`);
  // Bounded: a capture rewritten wholesale would otherwise print a line per batch.
  for (const f of r.problems.slice(0, MAX_LINES)) lines.push(findingLine(f, r.clockOffsetNs));
  if (r.problems.length > MAX_LINES) lines.push(`  ... and ${r.problems.length - MAX_LINES} more`);
  for (const n of r.notes) lines.push(`  ${e(n)}`);
  return lines.join('\n') + '\n';
}

/** Runs `ebpfsh verify FILE [--key PUB]`; returns the exit code (never throws: a bad file or key is one line and exit 2). */
export async function runVerify(path: string, opts: { key?: string }, out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  try {
    const key = opts.key !== undefined ? loadPublicKey(readKeyFile(opts.key, 'public key'), opts.key) : undefined;
    const started = performance.now();
    const r = await verifyCapture(path, { key });
    out(formatVerify(path, r, (performance.now() - started) / 1000));
    return VERIFY_EXIT[r.verdict];
  } catch (e) {
    err(`ebpfsh: ${errorLine(e)}\n`);
    return VERIFY_ERROR_EXIT;
  }
}
