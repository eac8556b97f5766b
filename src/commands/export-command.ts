import { FilterError, parseFilters, type TraceEvent } from '../event/index.js';
import { warnIfChainBroken } from './chain-warning.js';
import { findProbe, type ProbeSpec } from '../probes/index.js';
import { safeJson } from '../text/index.js';
import { CaptureReader } from '../store/index.js';
import { eventRecord } from './event-format.js';
import { csvLine } from './query-output.js';

/** Options of `ebpfsh export`. */
export interface ExportOptions {
  format: 'ndjson' | 'csv';
  probe?: string;
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
 * base64 where not UTF-8) or CSV (one probe: its columns; several: common
 * columns plus the probe's fields as JSON), filtered with the one grammar.
 */
export async function runExport(path: string, filterWords: string[], opts: ExportOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const r = CaptureReader.open(path);
  warnIfChainBroken(r, path);
  try {
    const probes = selectProbes(r.schema.probes, opts.probe);
    const filters = parseFilters(filterWords, probes);
    const clock = { offsetNs: r.info().clockOffsetNs };
    const single = probes.length === 1 ? probes[0] : undefined;
    const columns = single ? [...HEADER, ...single.fields.map((f) => f.name)] : [...HEADER, 'fields'];
    const toRow = (e: TraceEvent): unknown[] => {
      const rec = eventRecord(e, clock);
      const head = HEADER.map((c) => rec[c]);
      return single ? [...head, ...single.fields.map((f) => csvValue(e.fields[f.name]))] : [...head, safeJson(e.fields)];
    };
    // A terminal gets every cell escaped; a file gets spreadsheet-safe cells (csvLine).
    const tty = (out as { isTTY?: boolean }).isTTY === true;
    let buf = opts.format === 'csv' ? csvLine(columns, tty) : '';
    let n = 0;
    for (const e of r.events({ probes: probes.map((p) => p.name), filters })) {
      buf += opts.format === 'csv' ? csvLine(toRow(e), tty) : safeJson(eventRecord(e, clock)) + '\n';
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

function csvValue(v: unknown): unknown {
  if (Array.isArray(v)) return safeJson(v);
  return v instanceof Uint8Array ? Buffer.from(v) : v;
}
