import { resolve } from 'node:path';
import { tokenize } from '../../event/index.js';
import { parseLookBack, type LookBackStats } from '../../session/index.js';
import { escapeTerminal } from '../../text/index.js';
import { UsageError } from '../errors.js';
import { formatBytes, formatDuration } from './format.js';
import { parseOptions, type OptionSpec } from './options.js';
import type { ShellCommand, ShellContext } from './types.js';
import { exampleTable } from '../probe-list.js';
import { loadSigningKey } from '../../store/index.js';

function requireStore(ctx: ShellContext): void {
  const why = ctx.capture.unavailable();
  if (why) throw new UsageError(why);
}

const RECORD_OPTIONS: OptionSpec = { usage: 'record <file.db> [--since 5m|all] [--collect-binaries] [--sign KEYFILE]', options: ['--since', '--sign'], flags: ['--collect-binaries'] };

/** The look-back of `--since D`, in ns (undefined when not asked). */
function sinceOf(values: Map<string, string>): number | undefined {
  const v = values.get('--since');
  return v === undefined ? undefined : parseLookBack(v);
}

/** `took 1234 events from the ring (since 21:50:12), 3 evicted before: counted as lost` */
function lookBackLine(l: LookBackStats | null, clockOffsetNs: number): string | null {
  if (!l) return null;
  const at = new Date((l.startNs + clockOffsetNs) / 1e6).toTimeString().slice(0, 8);
  return `took ${l.events} event${l.events === 1 ? '' : 's'} from the ring (since ${at})${l.evicted ? `; ${l.evicted} the ring had evicted in that window are recorded as lost (ring_evicted)` : ''}`;
}

/** `:record <file> [--since D]`: start writing every event to a capture, beginning D ago with the flight ring's contents. */
export const recordCommand: ShellCommand = {
  name: 'record',
  aliases: ['w'],
  usage: RECORD_OPTIONS.usage,
  summary: 'record every event (not just the view) to a SQLite capture; --since 5m begins with the minutes before (the ring); --collect-binaries keeps each executed file; --sign KEY signs its manifest',
  help: [
    'The shell keeps the last minutes of every attached probe\'s events in memory (the ring; the status line shows its span,',
    'e.g. "ring 9m58s"; EBPFSH_RING_MINUTES, default 10, and EBPFSH_RING_MB, default 32, bound it).',
    '--since 5m (90s, 1h) or --since all: the capture begins that long ago with the ring\'s events, the probes attached then',
    'and every attach/detach/filter since (journal rows with detail "look-back"), and what the ring evicted or the engine',
    'lost in that window as loss rows (cause ring_evicted, ...): "nothing happened" stays apart from "nothing was watched".',
    '--sign KEYFILE: sign the manifest with an Ed25519 private key when the capture stops (ebpfsh keygen; ebpfsh verify --key PUB).',
    'e.g. record /root/incident.db --since 5m',
  ],
  async run(ctx, args) {
    requireStore(ctx);
    const { positional, values } = parseOptions(args, RECORD_OPTIONS);
    if (positional.length !== 1) throw new UsageError(`usage: ${RECORD_OPTIONS.usage}`);
    // The key before the capture: a bad key file records nothing.
    const signPath = values.get('--sign');
    const signing = signPath !== undefined ? loadSigningKey(signPath) : undefined;
    const sink = await ctx.capture.start(positional[0]!, { sinceNs: sinceOf(values), collectBinaries: values.has('--collect-binaries'), signKey: signing?.pem });
    const look = lookBackLine(ctx.capture.lookBack(), ctx.engine.clock.offsetNs);
    const signed = signing ? `, signed at stop by key ${signing.fingerprint.slice(0, 16)}` : '';
    return { kind: 'ok', lines: [`recording to ${escapeTerminal(resolve(sink.path))} (stop to finish)${signed}`, ...(look ? [look] : [])] };
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
    return { kind: 'ok', lines: [`stopped: ${escapeTerminal(resolve(s.path))}, ${s.events} events, ${formatBytes(s.bytes)}, ${formatDuration(Date.now() - s.startedAt)}`] };
  },
};

const MARK_OPTIONS: OptionSpec = { usage: 'mark "text" [--save <file.db> [--since 5m|all]]', options: ['--save', '--since'] };
/** How far back `:mark "text" --save FILE` reaches when --since is not given. */
export const MARK_SAVE_DEFAULT = '5m';

/** The mark's text (quotes removed) and the option words after a quoted text. */
function splitMark(raw: string): { text: string; rest: string[] } {
  const quoted = /^(["'])(.*?)\1(?:\s+(--.*))?$/s.exec(raw);
  if (quoted) return { text: quoted[2]!, rest: quoted[3] ? tokenize(quoted[3]) : [] };
  if (/(^|\s)--(save|since)\b/.test(raw)) throw new UsageError(`quote the mark's text when giving options (usage: ${MARK_OPTIONS.usage})`);
  return { text: raw, rest: [] };
}

/** `:mark "text"`: an investigator's note in the capture; `--save FILE` writes the ring's minutes before the mark to a new capture. */
export const markCommand: ShellCommand = {
  name: 'mark',
  aliases: ['m'],
  usage: MARK_OPTIONS.usage,
  summary: `write a timestamped note into the capture; --save FILE writes the ring's last ${MARK_SAVE_DEFAULT} (or --since) up to the mark to a new capture`,
  help: [
    'Without --save the note goes into the capture being recorded.',
    `--save FILE writes a new, finished capture of the window before the mark: the ring's events from ${MARK_SAVE_DEFAULT} (or --since D,`,
    'or all) before now up to the mark, marked look-back like record --since, with the note at its end. It needs no recording',
    'running (while one runs, the mark goes there instead). For the minutes after too: record FILE --since D, then stop.',
    'e.g. mark "reverse shell seen" --save /root/before-shell.db --since 10m',
  ],
  rawArgs: true,
  async run(ctx, args) {
    requireStore(ctx);
    const { text, rest } = splitMark((args[0] ?? '').trim());
    const { positional, values } = parseOptions(rest, MARK_OPTIONS);
    if (positional.length) throw new UsageError(`unexpected ${positional[0]!.slice(0, 40)} after the mark's text (usage: ${MARK_OPTIONS.usage})`);
    if (!text) throw new UsageError(`usage: ${MARK_OPTIONS.usage}`);
    const save = values.get('--save');
    if (save === undefined) {
      if (values.has('--since')) throw new UsageError(`--since goes with --save (usage: ${MARK_OPTIONS.usage})`);
      const sink = ctx.capture.current();
      if (!sink) throw new UsageError('not recording: a mark goes into the capture (record <file.db> first, or mark "text" --save <file.db> for the minutes before)');
      sink.mark(text, Date.now());
      return { kind: 'ok', lines: [`marked: ${escapeTerminal(text)}`] };
    }
    const s = await ctx.capture.save(save, parseLookBack(values.get('--since') ?? MARK_SAVE_DEFAULT), text);
    const look = lookBackLine(s.lookBack, ctx.engine.clock.offsetNs);
    return { kind: 'ok', lines: [`marked: ${escapeTerminal(text)}; saved ${escapeTerminal(s.path)}, ${s.events} events, ${formatBytes(s.bytes)}`, ...(look ? [look] : [])] };
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
