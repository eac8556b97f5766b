import { type ByteString } from '../../event/index.js';
import { escapeTerminal, userLabel } from '../../text/index.js';
import { UsageError } from '../errors.js';
import type { ProcessBook, ProcessInfo } from '../../session/index.js';
import type { ContainerRef } from '../../proc/index.js';
import type { ShellCommand } from './types.js';
import type { Clock } from '../../engine/index.js';
import { describeWaitStatus, findProbe } from '../../probes/index.js';
import { clockTime, renderParts } from '../event-format.js';

/** One escaped argv word; quoted when empty or holding a space. */
function word(a: ByteString): string {
  const s = escapeTerminal(a);
  return s === '' || s.includes(' ') ? `'${s.replace(/'/g, "\\'")}'` : s;
}

/** `4242 bash [uid 1000] /bin/bash -i (seen)`, every traced string escaped. */
export function processLine(p: ProcessInfo): string {
  const argv = p.argv?.length ? ' ' + p.argv.map(word).join(' ') : '';
  const uid = p.uid !== undefined ? ` [uid ${userLabel(p.uid)}]` : '';
  const gone = p.source === 'seen' ? ' (seen)' : '';
  return `${p.pid} ${escapeTerminal(p.comm)}${uid}${argv}${gone}`;
}

/** `2.31s`, `850ms`: a lifetime from kernel ns. */
function duration(ns: number): string {
  return ns >= 1e9 ? `${(ns / 1e9).toFixed(2)}s` : `${Math.max(0, Math.round(ns / 1e6))}ms`;
}

/** `started 10:01:02.123, exited 10:01:04.456 exit 3 after 2.33s`, or `…, running`, or why the end is unknown. */
export function lifetimeText(p: ProcessInfo, book: ProcessBook, clock: Clock, live: boolean): string {
  const state = live ? book.stateOf(p) : p.exitNs !== undefined ? book.stateOf(p) : { state: 'unknown' as const };
  const start = p.startNs !== undefined ? `started ${clockTime(clock, p.startNs)}` : p.firstTs !== undefined ? `start not seen (first event ${clockTime(clock, p.firstTs)})` : 'start unknown';
  if (state.state === 'exited') {
    const after = p.startNs !== undefined ? ` after ${duration(state.exitNs - p.startNs)}` : '';
    return `${start}, exited ${clockTime(clock, state.exitNs)} ${describeWaitStatus(state.status)} (status 0x${state.status.toString(16)})${after}`;
  }
  if (state.state === 'running') return `${start}, running`;
  if (state.state === 'gone') return `${start}, gone: its exit was not seen (attach exit to see exits)`;
  return `${start}, end not known`;
}

/** `  container docker 0123456789ab` (the short id, as `docker ps`; the path holds the whole one), or '' when the path names none. */
function containerText(c: ContainerRef | undefined): string {
  return c ? `  container ${c.runtime} ${c.id.slice(0, 12)}` : '';
}

/** The cgroup id as its path, with the container it names, or why the path is unknown; escaped. */
export function cgroupText(id: number, book: ProcessBook, live: boolean): string {
  if (!live) return `id ${id} (the path is not recorded in a capture)`;
  const r = book.cgroupPath(id);
  if ('unknown' in r) return `id ${id}: ${escapeTerminal(r.unknown)}`;
  return `${escapeTerminal(r.path)} (id ${id})${containerText(r.container)}`;
}

/** `cwd /tmp/x`, or why it is unknown; escaped. */
export function cwdText(p: ProcessInfo, live: boolean): string {
  if (p.cwd) return escapeTerminal(p.cwd);
  if (!live) return 'unknown (not recorded in a capture)';
  return p.cwd === null ? 'unknown (gone before it could be read)' : 'unknown (not read)';
}

/** A process's lifetime, working directory and cgroup, one `label value` line each. */
export function processContext(p: ProcessInfo, cgroup: number | undefined, book: ProcessBook, clock: Clock, live: boolean, indent = ''): string[] {
  const out = [`${indent}life    ${lifetimeText(p, book, clock, live)}`, `${indent}cwd     ${cwdText(p, live)}`];
  if (cgroup !== undefined) out.push(`${indent}cgroup  ${cgroupText(cgroup, book, live)}`);
  else if (p.cgroupPath !== undefined) out.push(`${indent}cgroup  ${escapeTerminal(p.cgroupPath)} (from /proc now)${containerText(book.containerOf(p.cgroupPath))}`);
  return out;
}

/** The process's latest forensic events, one line each under its line. */
function activityLines(p: ProcessInfo | undefined, indent: string, clock: Clock): string[] {
  return (p?.activity ?? []).map((e) => {
    const probe = findProbe(e.probe);
    return `${indent}   · ${clockTime(clock, e.ts)} ${probe?.table ?? e.probe} ${probe ? renderParts(probe.describe(e)) : ''}`;
  });
}

/** `:tree <pid>`: ancestors and descendants, from /proc and the events seen. */
export const treeCommand: ShellCommand = {
  name: 'tree',
  aliases: ['t'],
  usage: 'tree <pid>',
  summary: 'ancestors and descendants of a process with their execs, life, cwd, cgroup and latest forensic events (from /proc and events seen)',
  complete: (ctx, args, word) => (args.length ? [] : ctx.seen.of('pid').filter((p) => p.startsWith(word))),
  run(ctx, args) {
    const pid = Number(args[0]);
    if (args.length !== 1 || !Number.isInteger(pid) || pid <= 0) throw new UsageError('usage: tree <pid> (e.g. tree 4242)');
    const book = ctx.processes;
    const chain = book.ancestry(pid);
    if (!chain.length || chain[0]!.comm === '?') throw new UsageError(`process ${pid} is neither running nor seen in events`);
    const lines: string[] = ['ancestors:'];
    [...chain].reverse().forEach((p, i) => lines.push(`${'  '.repeat(i)}${i ? '└─ ' : ''}${processLine(p)}`));
    const clock = ctx.engine.clock;
    const live = !ctx.replay;
    const context = (p: ProcessInfo, indent: string) => processContext(p, p.cgroup, book, clock, live, indent);
    lines.push('', 'descendants:');
    const parents = book.procParents();
    const visit = (p: number, depth: number, seen: Set<number>) => {
      for (const c of book.childrenOf(p, parents)) {
        if (seen.has(c) || lines.length > 2000) continue;
        seen.add(c);
        const info = book.get(c);
        lines.push(`${'  '.repeat(depth)}└─ ${info ? processLine(info) : `${c} ?`}`);
        if (info) lines.push(...context(info, '  '.repeat(depth + 1) + '   '));
        lines.push(...activityLines(info, '  '.repeat(depth + 1), clock));
        visit(c, depth + 1, seen);
      }
    };
    lines.push(processLine(chain[0]!), ...context(chain[0]!, '   '), ...activityLines(chain[0], '', clock));
    const before = lines.length;
    visit(pid, 1, new Set([pid]));
    if (lines.length === before) lines.push('  (none)');
    return { kind: 'page', title: `tree ${pid}`, lines };
  },
};
