/** The command line being edited: text and cursor (in UTF-16 units). */
export interface LineState {
  text: string;
  cursor: number;
}

/** An empty line. */
export const EMPTY_LINE: LineState = { text: '', cursor: 0 };

/** Inserts `s` at the cursor. */
export function insert(l: LineState, s: string): LineState {
  return { text: l.text.slice(0, l.cursor) + s + l.text.slice(l.cursor), cursor: l.cursor + s.length };
}

/** Deletes the character before the cursor. */
export function backspace(l: LineState): LineState {
  if (l.cursor === 0) return l;
  return { text: l.text.slice(0, l.cursor - 1) + l.text.slice(l.cursor), cursor: l.cursor - 1 };
}

/** Moves the cursor by `d`, within the line. */
export function move(l: LineState, d: number): LineState {
  return { ...l, cursor: Math.max(0, Math.min(l.text.length, l.cursor + d)) };
}

/** Ctrl-W: deletes the word before the cursor. */
export function deleteWord(l: LineState): LineState {
  const head = l.text.slice(0, l.cursor).replace(/\S+\s*$/, '');
  return { text: head + l.text.slice(l.cursor), cursor: head.length };
}

/** A line holding `text`, cursor at the end. */
export function lineOf(text: string): LineState {
  return { text, cursor: text.length };
}
