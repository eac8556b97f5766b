import { escapeTerminal } from '../../text/index.js';
import { UsageError } from '../errors.js';
import { formatBytes, formatDuration } from './format.js';
import type { ShellCommand, ShellContext } from './types.js';
import { exampleTable } from '../probe-list.js';
import { loadSigningKey } from '../../store/index.js';

function requireStore(ctx: ShellContext): void {
  const why = ctx.capture.unavailable();
  if (why) throw new UsageError(why);
}

/** `:record <file>`: start writing every event to a capture. */
export const recordCommand: ShellCommand = {
  name: 'record',
  aliases: ['w'],
  usage: 'record <file.db> [--sign KEYFILE]',
  summary: 'record every event (not just the view) to a SQLite capture; --sign: sign its manifest with an Ed25519 key (ebpfsh keygen)',
  async run(ctx, args) {
    requireStore(ctx);
    const usage = 'usage: record <file.db> [--sign KEYFILE]';
    const files: string[] = [];
    let signPath: string | undefined;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '--sign') {
        if (signPath !== undefined || args[i + 1] === undefined) throw new UsageError(usage);
        signPath = args[++i];
      } else files.push(args[i]!);
    }
    if (files.length !== 1) throw new UsageError(usage);
    // The key before the capture: a bad key file records nothing.
    const signing = signPath !== undefined ? loadSigningKey(signPath) : undefined;
    const sink = await ctx.capture.start(files[0]!, signing ? { signKey: signing.pem } : {});
    const signed = signing ? `, signed at stop by key ${signing.fingerprint.slice(0, 16)}` : '';
    return { kind: 'ok', lines: [`recording to ${escapeTerminal(sink.path)} (stop to finish)${signed}`] };
  },
};

/** `:stop`: finalize the capture. */
export const stopCommand: ShellCommand = {
  name: 'stop',
  aliases: [],
  usage: 'stop',
  summary: 'stop recording and finalize the capture',
  async run(ctx) {
    requireStore(ctx);
    const s = await ctx.capture.stop();
    if (!s) return { kind: 'error', message: 'not recording (record <file.db> to start)' };
    return { kind: 'ok', lines: [`stopped: ${escapeTerminal(s.path)}, ${s.events} events, ${formatBytes(s.bytes)}, ${formatDuration(Date.now() - s.startedAt)}`] };
  },
};

/** `:mark "text"`: an investigator's note in the capture. */
export const markCommand: ShellCommand = {
  name: 'mark',
  aliases: ['m'],
  usage: 'mark "text"',
  summary: 'write a timestamped note into the capture',
  rawArgs: true,
  run(ctx, args) {
    requireStore(ctx);
    const sink = ctx.capture.current();
    if (!sink) throw new UsageError('not recording: a mark goes into the capture (record <file.db> first)');
    const raw = (args[0] ?? '').trim();
    const text = /^(["']).*\1$/s.test(raw) ? raw.slice(1, -1) : raw;
    if (!text) throw new UsageError('usage: mark "text"');
    sink.mark(text, Date.now());
    return { kind: 'ok', lines: [`marked: ${escapeTerminal(text)}`] };
  },
};

/** Renders query rows as an aligned table, every value escaped. */
export function tableLines(columns: string[], rows: unknown[][]): string[] {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : v instanceof Uint8Array ? escapeTerminal(v) : escapeTerminal(String(v)));
  const cells = rows.map((r) => r.map(cell));
  const widths = columns.map((c, i) => Math.min(60, Math.max(escapeTerminal(c).length, ...cells.map((r) => r[i]?.length ?? 0))));
  const line = (r: string[]) => r.map((v, i) => (v.length > widths[i]! ? v.slice(0, widths[i]! - 1) + '…' : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => escapeTerminal(c))), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
}

/** `:query SQL`: read-only SQL against the current capture. */
export const queryCommand: ShellCommand = {
  name: 'query',
  aliases: ['sql'],
  usage: 'query <SQL>',
  summary: 'read-only SQL against the current capture (tables exec, open, connect, events, journal, notes)',
  rawArgs: true,
  async run(ctx, args) {
    requireStore(ctx);
    const sink = ctx.capture.current();
    if (!sink) throw new UsageError('not recording: query runs against the current capture (start ebpfsh -w FILE or record FILE)');
    const sql = (args[0] ?? '').trim();
    if (!sql) throw new UsageError(`usage: query <SQL> (e.g. query SELECT comm, count(*) FROM ${exampleTable()} GROUP BY comm)`);
    const r = await sink.query(sql);
    const lines = tableLines(r.columns, r.rows);
    lines.push(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ', cut to the first ones' : ''})`);
    return { kind: 'page', title: 'query', lines };
  },
};
