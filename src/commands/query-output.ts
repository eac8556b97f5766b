import { PROBES } from '../probes/index.js';
import { escapeTerminal, safeJson } from '../text/index.js';

/** Output modes of `ebpfsh query` and `export`, like sqlite3's. */
export const QUERY_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
/** One output mode. */
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Rows to print: column names and positional values (number, string, bigint, Buffer/Uint8Array, null). */
export interface Rows {
  columns: string[];
  rows: unknown[][];
}

/** Options for rendering. */
export interface RenderOptions {
  /** Terminal width to truncate table lines to (undefined: no truncation). */
  width?: number;
  /** Escape control characters in CSV (when printing to a terminal); otherwise CSV is made spreadsheet-safe (see csvLine). */
  escapeCsv?: boolean;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** A value as table text: escaped for the terminal, NULL shown as empty. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (isBytes(v)) return escapeTerminal(Uint8Array.from(v));
  if (typeof v === 'string') return escapeTerminal(v);
  return String(v);
}

/** Display width of a string (one column per code point; good enough for escaped text). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function clip(s: string, w: number): string {
  if (width(s) <= w) return s;
  return [...s].slice(0, Math.max(0, w - 1)).join('') + '…';
}

/** An aligned table with a header rule; each line cut to the terminal width. */
export function renderTable(r: Rows, opts: RenderOptions = {}): string {
  const cells = r.rows.map((row) => row.map(cellText));
  const widths = r.columns.map((c, i) => Math.min(60, Math.max(width(c), ...cells.map((row) => width(row[i] ?? '')))));
  const line = (vals: string[]) => {
    const text = vals
      .map((v, i) => {
        const c = clip(v, widths[i]!);
        return typeof r.rows[0]?.[i] === 'number' ? c.padStart(widths[i]!) : c + ' '.repeat(widths[i]! - width(c));
      })
      .join('  ')
      .trimEnd();
    return opts.width ? clip(text, opts.width) : text;
  };
  const out = [line(r.columns.map((c) => escapeTerminal(String(c)))), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)];
  return out.join('\n') + '\n';
}

/** A text cell a spreadsheet would run as a formula (OWASP "CSV injection"): =, +, -, @, and tab/CR that hide them. */
const FORMULA = /^[=+\-@\t\r]/;

function csvField(v: unknown, escape: boolean): string {
  if (v === null || v === undefined) return '';
  let s = isBytes(v) ? Buffer.from(v).toString('base64') : String(v);
  if (escape) s = escapeTerminal(s);
  // To a file: text (never a number, never base64) that starts like a formula gets a leading ' so a spreadsheet shows it as text.
  else if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One CSV line (with its CRLF). `escape` (output to a terminal): every text
 * escaped with escapeTerminal. Otherwise (a file): spreadsheet-safe, text
 * cells that begin with =, +, -, @, tab or CR are prefixed with '.
 */
export function csvLine(values: unknown[], escape = false): string {
  return values.map((v) => csvField(v, escape)).join(',') + '\r\n';
}

/** RFC 4180 CSV with a header; BLOBs as base64. */
export function renderCsv(r: Rows, opts: RenderOptions = {}): string {
  const esc = opts.escapeCsv ?? false;
  return [r.columns, ...r.rows].map((row) => csvLine(row, esc)).join('');
}

/**
 * Column names that hold a JSON array of strings in a capture (every probe
 * field of type argv, e.g. argv and env, and processes.argv): JSON output
 * gives them as arrays, not as a string of JSON.
 */
export const ARGV_COLUMNS: ReadonlySet<string> = new Set(['argv', ...PROBES.flatMap((p) => p.fields.filter((f) => f.type === 'argv').map((f) => f.name))]);

/** The array an argv column's text holds, or undefined when it is not a JSON array of strings (a hostile or computed value stays as it is). */
function argvArray(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || !v.startsWith('[')) return undefined;
  try {
    const a = JSON.parse(v) as unknown;
    return Array.isArray(a) && a.every((x) => typeof x === 'string') ? a : undefined;
  } catch {
    return undefined;
  }
}

function record(columns: string[], row: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    const v = row[i];
    o[c] = typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : isBytes(v) ? Uint8Array.from(v) : ARGV_COLUMNS.has(c) ? (argvArray(v) ?? v) : v;
  });
  return o;
}

/** One JSON array of objects (BLOBs as {"base64": ...}; argv-typed columns as arrays; C1 and format characters escaped). */
export function renderJson(r: Rows): string {
  return '[' + r.rows.map((row) => '\n' + safeJson(record(r.columns, row))).join(',') + (r.rows.length ? '\n' : '') + ']\n';
}

/** One JSON object per line (as renderJson). */
export function renderNdjson(r: Rows): string {
  return r.rows.map((row) => safeJson(record(r.columns, row)) + '\n').join('');
}

/** Renders rows in the given format. */
export function renderRows(r: Rows, format: QueryFormat, opts: RenderOptions = {}): string {
  switch (format) {
    case 'table':
      return renderTable(r, opts);
    case 'csv':
      return renderCsv(r, opts);
    case 'json':
      return renderJson(r);
    case 'ndjson':
      return renderNdjson(r);
  }
}
