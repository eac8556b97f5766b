import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { CaptureError } from '../store/index.js';
import { UsageError } from './errors.js';
import { FilterError, parseFilters, type TraceEvent } from '../event/index.js';
import { warnIfChainBroken } from './chain-warning.js';
import { warnIfNotFinalized } from './unfinished-warning.js';
import { findProbe, type ProbeSpec } from '../probes/index.js';
import { resolveZone, safeJson, type ZoneChoice } from '../text/index.js';
import { CaptureReader } from '../store/index.js';
import { eventRecord } from './event-format.js';
import { csvLine } from './query-output.js';

/** Options of `ebpfsh export`. */
export interface ExportOptions {
  format: 'ndjson' | 'csv';
  probe?: string;
  /** The zone of the `time` column: UTC by default (ISO 8601 with Z); local or the capture host's as ISO with their offset. */
  zone?: ZoneChoice;
}

const HEADER = ['time', 'ts_ns', 'probe', 'pid', 'tid', 'ppid', 'uid', 'gid', 'comm', 'cgroup', 'pidns', 'nspid'];

/** The probes to export: --probe, or every probe the capture has. */
function selectProbes(available: readonly ProbeSpec[], names?: string): ProbeSpec[] {
  if (!names) return [...available];
  return names.split(',').map((n) => {
    const p = findProbe(n.trim());
    if (!p || !available.includes(p)) throw new FilterError(`the capture has no ${n} events (it has: ${available.map((a) => a.name).join(', ')})`);
    return p;
  });
}

/**
 * Streams events of a capture as NDJSON (one event per line, exact bytes as
 * base64 where not UTF-8) or CSV (one probe: its columns, decoded int fields
 * with a `<field>_text` twin; several: common columns plus the probe's fields
 * as JSON), filtered with the one grammar.
 */
export async function runExport(path: string, filterWords: string[], opts: ExportOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const r = CaptureReader.open(path);
  warnIfChainBroken(r, path);
  warnIfNotFinalized(r, path);
  try {
    const probes = selectProbes(r.schema.probes, opts.probe);
    const filters = parseFilters(filterWords, probes);
    const clock = { offsetNs: r.info().clockOffsetNs };
    const zone = resolveZone(opts.zone ?? 'utc', r.hostZone());
    const single = probes.length === 1 ? probes[0] : undefined;
    const decoded = single ? decodedFields(single) : new Set<string>();
    const columns = single ? [...HEADER, ...single.fields.flatMap((f) => (decoded.has(f.name) ? [f.name, `${f.name}_text`] : [f.name]))] : [...HEADER, 'fields'];
    const toRow = (e: TraceEvent): unknown[] => {
      const rec = eventRecord(e, clock, zone);
      const head = HEADER.map((c) => rec[c]);
      if (!single) return [...head, safeJson(e.fields)];
      return [...head, ...single.fields.flatMap((f) => (decoded.has(f.name) ? [csvValue(e.fields[f.name]), decodedText(single, f.name, e.fields[f.name])] : [csvValue(e.fields[f.name])]))];
    };
    // A terminal gets every cell escaped; a file gets spreadsheet-safe cells (csvLine).
    const tty = (out as { isTTY?: boolean }).isTTY === true;
    let buf = opts.format === 'csv' ? csvLine(columns, tty) : '';
    let n = 0;
    for (const e of r.events({ probes: probes.map((p) => p.name), filters })) {
      buf += opts.format === 'csv' ? csvLine(toRow(e), tty) : safeJson(eventRecord(e, clock, zone)) + '\n';
      n++;
      if (buf.length > 1 << 16) {
        if (!out.write(buf)) await new Promise((res) => out.once('drain', res));
        buf = '';
      }
    }
    out.write(buf);
    return n;
  } finally {
    r.close();
  }
}

/**
 * Writes the executed file with sha256 `hash`, as --collect-binaries stored
 * it, to `out`: refuses a file that exists, and checks the bytes against the
 * hash first (a capture is hostile input). Returns the bytes written.
 */
export async function runExportBinary(path: string, hash: string, out: string): Promise<number> {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UsageError(`--binary needs a sha256 of 64 hex digits (see: ebpfsh query ${path} 'SELECT sha256, path FROM binaries')`);
  if (!out) throw new UsageError('--binary needs -o FILE: the file to write it to');
  const want = hash.toLowerCase();
  const r = CaptureReader.open(path);
  let bytes: Buffer;
  try {
    const q = await r.query('SELECT bytes FROM binary_blobs WHERE sha256 = ?', { params: [want], maxRows: 1 });
    const v = q.rows[0]?.[0];
    if (v === undefined) {
      const seen = await r.query('SELECT outcome, blob FROM binaries WHERE sha256 = ? LIMIT 1', { params: [want] });
      throw new UsageError(seen.rows.length
        ? `the capture has the hash ${want} but not its bytes (${seen.rows[0]![1] === 'too_big' ? 'over the collect limit' : 'recorded without --collect-binaries'})`
        : `the capture has no binary with sha256 ${want} (list them: ebpfsh query ${path} 'SELECT sha256, path FROM binaries')`);
    }
    if (!(v instanceof Uint8Array)) throw new CaptureError(`${path}: binary_blobs.bytes of ${want} is not a blob; refusing it`, 'SCHEMA');
    bytes = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  } finally {
    r.close();
  }
  if (createHash('sha256').update(bytes).digest('hex') !== want) throw new CaptureError(`${path}: the bytes stored for ${want} do not have that hash (the capture was altered); nothing written`, 'SCHEMA');
  let fd: number;
  try {
    fd = openSync(out, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `${out} exists: choose another file name (export never overwrites)` : `cannot create ${out}: ${code ?? String(e)}`);
  }
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  } finally {
    closeSync(fd);
  }
  return bytes.length;
}

/** Sample values a decoding facet answers for (open flags, modes, signals, capabilities all decode some of these). */
const SAMPLES = [0, 1, 2, 9, 0x41, 0o644];

/**
 * A probe's int fields its facets decode for the detail pane (open flags, an
 * octal mode, a signal): CSV gives each a `<field>_text` column beside the
 * raw number, so a spreadsheet can both read and sort them.
 */
export function decodedFields(probe: ProbeSpec): Set<string> {
  const dv = probe.facets?.detailValue;
  if (!dv) return new Set();
  return new Set(probe.fields.filter((f) => f.type === 'int' && SAMPLES.some((v) => dv(f.name, v) !== undefined)).map((f) => f.name));
}

/** The facet's text of an int field (e.g. `O_WRONLY|O_CREAT (0x41)`), empty for NULL or a value that is not an integer (a hostile capture's). */
function decodedText(probe: ProbeSpec, field: string, v: unknown): string {
  return typeof v === 'number' && Number.isSafeInteger(v) ? (probe.facets?.detailValue?.(field, v) ?? String(v)) : '';
}

function csvValue(v: unknown): unknown {
  if (Array.isArray(v)) return safeJson(v);
  return v instanceof Uint8Array ? Buffer.from(v) : v;
}
