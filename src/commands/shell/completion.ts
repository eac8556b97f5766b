import { tokenize } from '../../event/index.js';
import { findCommand } from './help.js';
import type { ShellContext } from './types.js';

/** The result of completing a line: the new line, and the choices when several remain. */
export interface Completion {
  line: string;
  choices: string[];
}

function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/**
 * Completes the last word of `line`: command names first, then what the
 * command offers (probe names, filter keys, values seen, pids).
 */
export function completeLine(ctx: ShellContext, line: string): Completion {
  const colon = /^\s*:/.test(line) ? ':' : '';
  const body = line.replace(/^\s*:?/, '');
  const endsInSpace = /\s$/.test(body) || body === '';
  let words: string[];
  try {
    words = tokenize(body);
  } catch {
    return { line, choices: [] }; // inside an open quote: nothing sensible to offer
  }
  const word = endsInSpace ? '' : (words.pop() ?? '');
  const before = body.slice(0, body.length - word.length);
  let choices: string[];
  if (words.length === 0) {
    choices = ctx.commands.flatMap((c) => [c.name]).filter((n) => n.startsWith(word.toLowerCase()));
  } else {
    const cmd = findCommand(ctx.commands, words[0]!);
    choices = cmd?.complete?.(ctx, words.slice(1), word) ?? [];
  }
  choices = [...new Set(choices)];
  if (choices.length === 0) return { line, choices: [] };
  if (choices.length === 1) {
    const only = choices[0]!;
    const tail = only.endsWith('=') || only.endsWith(',') ? '' : ' ';
    return { line: colon + before + only + tail, choices: [] };
  }
  const prefix = commonPrefix(choices);
  return { line: colon + before + (prefix.length > word.length ? prefix : word), choices: choices.slice(0, 40) };
}
