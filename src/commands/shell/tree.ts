import { type ByteString } from '../../event/index.js';
import { escapeTerminal } from '../../text/index.js';
import { UsageError } from '../errors.js';
import type { ProcessInfo } from '../../session/index.js';
import type { ShellCommand } from './types.js';

/** One escaped argv word; quoted when empty or holding a space. */
function word(a: ByteString): string {
  const s = escapeTerminal(a);
  return s === '' || s.includes(' ') ? `'${s.replace(/'/g, "\\'")}'` : s;
}

/** `4242 bash [uid 1000] /bin/bash -i (seen)`, every traced string escaped. */
export function processLine(p: ProcessInfo): string {
  const argv = p.argv?.length ? ' ' + p.argv.map(word).join(' ') : '';
  const uid = p.uid !== undefined ? ` [uid ${p.uid}]` : '';
  const gone = p.source === 'seen' ? ' (seen)' : '';
  return `${p.pid} ${escapeTerminal(p.comm)}${uid}${argv}${gone}`;
}

/** `:tree <pid>`: ancestors and descendants, from /proc and the events seen. */
export const treeCommand: ShellCommand = {
  name: 'tree',
  aliases: ['t'],
  usage: 'tree <pid>',
  summary: 'ancestors and descendants of a process with their execs (from /proc and events seen)',
  complete: (ctx, args, word) => (args.length ? [] : ctx.seen.of('pid').filter((p) => p.startsWith(word))),
  run(ctx, args) {
    const pid = Number(args[0]);
    if (args.length !== 1 || !Number.isInteger(pid) || pid <= 0) throw new UsageError('usage: tree <pid> (e.g. tree 4242)');
    const book = ctx.processes;
    const chain = book.ancestry(pid);
    if (!chain.length || chain[0]!.comm === '?') throw new UsageError(`process ${pid} is neither running nor seen in events`);
    const lines: string[] = ['ancestors:'];
    [...chain].reverse().forEach((p, i) => lines.push(`${'  '.repeat(i)}${i ? '└─ ' : ''}${processLine(p)}`));
    lines.push('', 'descendants:');
    const parents = book.procParents();
    const visit = (p: number, depth: number, seen: Set<number>) => {
      for (const c of book.childrenOf(p, parents)) {
        if (seen.has(c) || lines.length > 2000) continue;
        seen.add(c);
        const info = book.get(c);
        lines.push(`${'  '.repeat(depth)}└─ ${info ? processLine(info) : `${c} ?`}`);
        visit(c, depth + 1, seen);
      }
    };
    lines.push(processLine(chain[0]!));
    visit(pid, 1, new Set([pid]));
    if (lines.at(-1) === processLine(chain[0]!)) lines.push('  (none)');
    return { kind: 'page', title: `tree ${pid}`, lines };
  },
};
