import { type ByteString } from '../../event/index.js';
import { escapeTerminal, userLabel } from '../../text/index.js';
import { UsageError } from '../errors.js';
import type { ProcessInfo } from '../../session/index.js';
import type { ShellCommand } from './types.js';
import type { Clock } from '../../engine/index.js';
import { findProbe } from '../../probes/index.js';
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
  summary: 'ancestors and descendants of a process with their execs and latest forensic events (from /proc and events seen)',
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
    lines.push('', 'descendants:');
    const parents = book.procParents();
    const visit = (p: number, depth: number, seen: Set<number>) => {
      for (const c of book.childrenOf(p, parents)) {
        if (seen.has(c) || lines.length > 2000) continue;
        seen.add(c);
        const info = book.get(c);
        lines.push(`${'  '.repeat(depth)}└─ ${info ? processLine(info) : `${c} ?`}`);
        lines.push(...activityLines(info, '  '.repeat(depth + 1), clock));
        visit(c, depth + 1, seen);
      }
    };
    lines.push(processLine(chain[0]!), ...activityLines(chain[0], '', clock));
    const before = lines.length;
    visit(pid, 1, new Set([pid]));
    if (lines.length === before) lines.push('  (none)');
    return { kind: 'page', title: `tree ${pid}`, lines };
  },
};
