import { appendHistory, type HistoryFile } from '../../session/index.js';
import { EMPTY_LINE, backspace, deleteWord, insert, lineOf, move, type LineState } from './line-editor.js';

/** Where typing goes: the event pane, a `:` command, or a `/` search. */
export type Mode = 'events' | 'command' | 'search';

/**
 * The command line: its mode, the text being edited, completion choices, and
 * the command history (Up/Down walk it; a line in progress is kept as a draft).
 */
export class Prompt {
  mode: Mode = 'events';
  line: LineState = EMPTY_LINE;
  /** Completion candidates shown instead of the transcript. */
  choices: string[] = [];
  private readonly history: string[];
  private histPos: number | null = null;
  private draft = '';

  constructor(
    history: readonly string[] = [],
    private readonly file: HistoryFile | null = null,
  ) {
    this.history = [...history];
  }

  /** Starts a `:` command (with its first character) or a `/` search. */
  open(mode: 'command' | 'search', text = ''): void {
    this.mode = mode;
    this.line = lineOf(text);
    this.histPos = null;
    this.choices = [];
  }

  /** Back to the event pane; returns the text that was typed. */
  close(): string {
    const text = this.line.text;
    this.mode = 'events';
    this.line = EMPTY_LINE;
    this.choices = [];
    this.histPos = null;
    return text;
  }

  /** Types text at the cursor. */
  type(s: string): void {
    this.line = insert(this.line, s);
    this.histPos = null;
    this.choices = [];
  }

  /** Moves or edits the line (arrows, Home, End). */
  edit(f: (l: LineState) => LineState): void {
    this.line = f(this.line);
  }

  /** Backspace; on an empty line it leaves the prompt. */
  backspace(): void {
    if (this.line.text === '') {
      this.mode = 'events';
      return;
    }
    this.line = backspace(this.line);
    this.choices = [];
  }

  /** Ctrl-A, Ctrl-E, Ctrl-U, Ctrl-W. */
  ctrl(name: string): void {
    if (name === 'a') this.line = move(this.line, -this.line.cursor);
    else if (name === 'e') this.line = lineOf(this.line.text);
    else if (name === 'u') this.line = { text: this.line.text.slice(this.line.cursor), cursor: 0 };
    else if (name === 'w') this.line = deleteWord(this.line);
  }

  /** Replaces the line with a completion and shows the other choices. */
  complete(c: { line: string; choices: string[] }): void {
    this.line = lineOf(c.line);
    this.choices = c.choices;
  }

  /** Up (-1) or Down (+1) through the history. */
  step(d: number): void {
    if (!this.history.length) return;
    if (this.histPos === null) {
      if (d > 0) return;
      this.draft = this.line.text;
      this.histPos = this.history.length;
    }
    const pos = Math.max(0, Math.min(this.history.length, this.histPos + d));
    this.histPos = pos;
    this.line = lineOf(pos === this.history.length ? this.draft : this.history[pos]!.replace(/^:/, ''));
  }

  /** Remembers a command line, here and in the history file. */
  remember(text: string): void {
    const entry = ':' + text.replace(/^:/, '');
    this.history.push(entry);
    appendHistory(this.file, entry);
  }
}
