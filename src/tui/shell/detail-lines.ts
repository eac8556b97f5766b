import type { ByteString, TraceEvent } from '../../event/index.js';
import { findProbe, type ProbeSpec } from '../../probes/index.js';
import { escapeTerminal, formatRet } from '../../text/index.js';
import { wallTime, type Clock } from '../../engine/index.js';
import { formatEventLine } from '../../commands/event-format.js';
import { processLine } from '../../commands/shell/index.js';
import type { ProcessBook } from '../../session/index.js';
import type { Ring } from './event-window.js';

function value(name: string, v: unknown, probe: ProbeSpec | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string' || v instanceof Uint8Array) {
    const s = escapeTerminal(v as ByteString);
    if (s === '') return "''";
    return v instanceof Uint8Array ? `${s}  (not UTF-8: ${v.length} bytes, shown as \\xNN)` : s;
  }
  if (typeof v === 'number') {
    if (name === 'ret') return v < 0 ? `${v} (${formatRet(v)})` : String(v);
    return probe?.facets?.detailValue?.(name, v) ?? String(v);
  }
  return escapeTerminal(String(v));
}

/**
 * Every line of the detail pane for one event: the header, every field (full
 * argv one word a line, raw and absolute paths, addresses), the process's
 * ancestry and its recent events. Every traced string is escaped.
 */
export function detailLines(e: TraceEvent, clock: Clock, book: ProcessBook, rows: Ring, recent = 15): string[] {
  const probe = findProbe(e.probe);
  const out: string[] = [];
  out.push(`${e.probe} at ${wallTime(clock, e.ts).toISOString()} (kernel ts ${e.ts} ns)`);
  out.push(`pid ${e.pid}  tid ${e.tid}  ppid ${e.ppid}  uid ${e.uid}  gid ${e.gid}  comm ${escapeTerminal(e.comm)}`);
  out.push(`cgroup ${e.cgroup}  pidns ${e.pidns}  nspid ${e.nspid}`);
  out.push('');
  const names = probe ? probe.fields.map((f) => f.name) : Object.keys(e.fields);
  const w = Math.max(4, ...names.map((n) => n.length));
  for (const name of names) {
    const v = e.fields[name];
    if (Array.isArray(v)) {
      out.push(`${name.padEnd(w)}  ${v.length} word${v.length === 1 ? '' : 's'}`);
      v.forEach((a, i) => out.push(`${''.padEnd(w)}  [${i}] ${value(name, a, probe)}`));
    } else {
      out.push(`${name.padEnd(w)}  ${value(name, v, probe)}`);
    }
  }
  out.push('', 'ancestry (events seen, else /proc now):');
  book.ancestry(e.pid).forEach((p, i) => out.push(`${'  '.repeat(i)}${i ? '└─ ' : ''}${processLine(p)}`));
  out.push('', `recent events of pid ${e.pid} in the view:`);
  const mine: string[] = [];
  for (let i = rows.length - 1; i >= 0 && mine.length < recent; i--) {
    const r = rows.at(i)!;
    if (r.event.pid === e.pid) mine.push(r.text ?? (r.text = formatEventLine(r.event, clock)));
  }
  out.push(...(mine.length ? mine.reverse() : ['(none in memory)']));
  return out;
}
