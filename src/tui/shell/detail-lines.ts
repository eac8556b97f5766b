import type { ByteString, TraceEvent } from '../../event/index.js';
import { findProbe, type ProbeSpec } from '../../probes/index.js';
import { dateTimeIn, displayZone, escapeTerminal, formatRet, groupLabel, userLabel, zoneLabel } from '../../text/index.js';
import { wallTime, type Clock } from '../../engine/index.js';
import { clockTime, formatEventLine } from '../../commands/event-format.js';
import { cgroupText, cwdText, lifetimeText, processLine } from '../../commands/shell/index.js';
import type { ListenerOwner, LocalListeners, LocalPeer, ProcessBook } from '../../session/index.js';
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

/** Fields that share a prefix with three or more others (exe_dev, exe_ino, ...; old_real, old_eff, ...): shown on one line, so the pane stays a page. */
function fieldGroups(names: readonly string[], e: TraceEvent): Map<string, string> {
  const count = new Map<string, number>();
  const prefixOf = (n: string) => (n.includes('_') && !Array.isArray(e.fields[n]) ? n.slice(0, n.indexOf('_')) : undefined);
  for (const n of names) {
    const p = prefixOf(n);
    if (p) count.set(p, (count.get(p) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const n of names) {
    const p = prefixOf(n);
    if (p && count.get(p)! >= 4) out.set(n, p);
  }
  return out;
}

/** What only the live shell knows of this host (absent in replay: the capture's host is elsewhere). */
export interface LiveDetail {
  listeners: LocalListeners;
}

/** `pid 4242 python3 [uid alice(1000)] on 127.0.0.1:8080 (listen event at 10:01:02.123)`, escaped. */
function ownerLine(o: ListenerOwner, clock: Clock): string {
  const from = o.from === 'proc' ? '/proc at connect time' : `listen/accept event at ${clockTime(clock, o.from.event)}`;
  const at = o.addr.includes(':') ? `[${o.addr}]:${o.port}` : `${o.addr}:${o.port}`;
  return `pid ${o.pid} ${escapeTerminal(o.comm)}${o.uid !== undefined ? ` [uid ${userLabel(o.uid)}]` : ''} listening on ${escapeTerminal(at)} (from ${from})`;
}

/** The detail pane's lines on who listens at the local end of a connect. */
function peerLines(peer: LocalPeer, clock: Clock): string[] {
  if ('none' in peer) return ['local connection: this host is the other end', `  ${escapeTerminal(peer.none)}`];
  return ['local connection: this host is the other end, listened on by', ...peer.owners.map((o) => `  ${ownerLine(o, clock)}`)];
}

/** The row's short marker for a local connect: `⇄ 4242 python3`, or `⇄ no listener`. */
export function peerMarker(peer: LocalPeer | undefined): string {
  if (!peer) return '';
  if ('none' in peer) return '  ⇄ no local listener';
  const o = peer.owners[0]!;
  return `  ⇄ ${o.pid} ${escapeTerminal(o.comm)}${peer.owners.length > 1 ? ` +${peer.owners.length - 1}` : ''}`;
}

/**
 * Every line of the detail pane for one event: the header, every field (full
 * argv one word a line, raw and absolute paths, addresses), the process's
 * lifetime, working directory and cgroup, who listens at the local end of a
 * connect, the ancestry and its recent events. Every traced string is escaped.
 */
export function detailLines(e: TraceEvent, clock: Clock, book: ProcessBook, rows: Ring, recent = 15, live: LiveDetail | null = null): string[] {
  const probe = findProbe(e.probe);
  const out: string[] = [];
  const ms = wallTime(clock, e.ts).getTime();
  out.push(`${e.probe} at ${dateTimeIn(displayZone(), ms)} ${zoneLabel(displayZone(), ms)} (kernel ts ${e.ts} ns)`);
  out.push(`pid ${e.pid}  tid ${e.tid}  ppid ${e.ppid}  uid ${userLabel(e.uid)}  gid ${groupLabel(e.gid)}  comm ${escapeTerminal(e.comm)}`);
  out.push(`pidns ${e.pidns}  nspid ${e.nspid}  cgroup ${cgroupText(e.cgroup, book, live !== null)}`);
  const proc = book.get(e.pid);
  if (proc) out.push(`life ${lifetimeText(proc, book, clock, live !== null)}`, `cwd ${cwdText(proc, live !== null)}`);
  out.push('');
  const names = probe ? probe.fields.map((f) => f.name) : Object.keys(e.fields);
  const groups = fieldGroups(names, e);
  const w = Math.max(4, ...names.filter((n) => !groups.has(n)).map((n) => n.length), ...[...groups.values()].map((g) => g.length + 2));
  const shown = new Set<string>();
  for (const name of names) {
    const v = e.fields[name];
    const group = groups.get(name);
    if (group !== undefined) {
      if (shown.has(group)) continue;
      shown.add(group);
      const members = names.filter((n) => groups.get(n) === group);
      out.push(`${`${group}_*`.padEnd(w)}  ${members.map((n) => `${n.slice(group.length + 1)} ${value(n, e.fields[n], probe)}`).join('  ')}`);
    } else if (Array.isArray(v)) {
      out.push(`${name.padEnd(w)}  ${v.length} word${v.length === 1 ? '' : 's'}`);
      v.forEach((a, i) => out.push(`${''.padEnd(w)}  [${i}] ${value(name, a, probe)}`));
    } else {
      out.push(`${name.padEnd(w)}  ${value(name, v, probe)}`);
    }
  }
  const peer = live?.listeners.peerOf(e);
  if (peer) out.push('', ...peerLines(peer, clock));
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
