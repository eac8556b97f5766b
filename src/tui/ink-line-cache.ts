/**
 * ink draws every frame from scratch: each line of every text is tokenized
 * into styled characters again (about a third of a frame's CPU in the shell
 * under a storm), though nearly every line of the event table was drawn,
 * unchanged, a frame before, one row higher. ink memoizes those per frame
 * (an Output's `caches`); this lets consecutive frames share one memo, started
 * afresh once it holds LINES lines, so a line is tokenized once while it
 * stays on screen. Same results, same bytes on the terminal: only the memo
 * outlives the frame.
 *
 * It reaches into ink's build (output.js, not exported), so it checks the
 * shape it relies on and leaves ink as it is when that changed (slower, never wrong).
 * A printable-ASCII line (most rows: traced strings are escaped) skips the
 * tokenizer, which would find nothing in it (plainStyledChars).
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Lines the shared memo holds before it starts afresh: a 200x60 screen shows
 * at most a few hundred. Kept small because at 100k events/s nearly every
 * line is new, so the memo fills, and a memo of 4096 tokenized 150-column
 * lines held ~57 MiB of the shell's heap at its peak (its RSS sawtooth).
 */
const LINES = 1024;

/** Printable ASCII only: one narrow, unstyled character per code unit, nothing for the tokenizer to find. */
const PLAIN = /^[\x20-\x7e]*$/;

/**
 * What ink's tokenizer makes of a printable-ASCII line (a grapheme
 * segmentation per line, the dearest part of a frame under a storm, whose
 * every row is new): one unstyled, narrow character each.
 */
export function plainStyledChars(line: string): StyledChar[] {
  const out = new Array<StyledChar>(line.length);
  for (let i = 0; i < line.length; i++) out[i] = PLAIN_CHARS[line.charCodeAt(i)]!;
  return out;
}

type StyledChar = { type: 'char'; value: string; fullWidth: boolean; styles: string[] };

/**
 * One shared, frozen character object per printable ASCII code: ink only
 * reads the characters it is given (output.js copies references into its
 * grid), so a line is an array of pointers, not ~90 bytes per character.
 */
const PLAIN_CHARS: readonly StyledChar[] = Array.from({ length: 0x7f }, (_, c) =>
  Object.freeze({ type: 'char' as const, value: String.fromCharCode(c), fullWidth: false, styles: Object.freeze([]) as unknown as string[] }),
);

interface OutputCaches {
  styledChars: Map<string, unknown>;
  widths: Map<string, unknown>;
  blockWidths: Map<string, unknown>;
  getStyledChars(line: string): unknown;
}
type OutputClass = (new (o: { width: number; height: number }) => { caches?: OutputCaches }) & { prototype: { get?: (...a: unknown[]) => unknown } };

let installed: Promise<boolean> | undefined;

/** Makes ink's frames share their line memo (see above); resolves true when ink has the shape this relies on (else nothing changes). */
export function shareInkLineCache(): Promise<boolean> {
  installed ??= install();
  return installed;
}

async function install(): Promise<boolean> {
  try {
    // ink's own output.js by its file URL (the same module instance ink uses). Inside the single-file release,
    // where ink is bundled and there is no node_modules, resolving fails and ink keeps its own memo.
    const inkMain = createRequire(import.meta.url).resolve('ink');
    const Output = ((await import(pathToFileURL(join(dirname(inkMain), 'output.js')).href)) as { default: OutputClass }).default;
    const fresh = () => {
      const c = new Output({ width: 1, height: 1 }).caches;
      if (!c || typeof c.getStyledChars !== 'function' || !(c.styledChars instanceof Map)) return c;
      const tokenized = c.getStyledChars.bind(c);
      c.getStyledChars = (line: string) => {
        if (!PLAIN.test(line)) return tokenized(line);
        let chars = c.styledChars.get(line);
        if (chars === undefined) c.styledChars.set(line, (chars = plainStyledChars(line)));
        return chars;
      };
      return c;
    };
    const first = fresh();
    const get = Output.prototype.get;
    if (typeof get !== 'function' || !first || typeof first.getStyledChars !== 'function' || !(first.styledChars instanceof Map) || !(first.widths instanceof Map) || !(first.blockWidths instanceof Map))
      return false;
    let shared: OutputCaches = first;
    Output.prototype.get = function (this: { caches: OutputCaches }, ...a: unknown[]) {
      if (shared.styledChars.size + shared.widths.size + shared.blockWidths.size > LINES) shared = fresh()!;
      this.caches = shared;
      return get.apply(this, a);
    };
    return true;
  } catch {
    // another ink: its own per-frame memo stays
    return false;
  }
}
