import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let counter = 0;

/** One private tmux server (its own socket) holding one session, driven as a responder would. */
export class Tmux {
  readonly socket = `ebpfsh-e2e-${process.pid}-${++counter}`;
  readonly target = 'shell:0.0';

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  private statusFile = '';
  private dir = '';

  /** Starts `command` (a shell line) in a session `cols` x `rows`. */
  start(command: string, cols = 160, rows = 40): void {
    // remain-on-exit from the start: a program that exits at once must still leave its screen behind.
    const dir = (this.dir = mkdtempSync(join(tmpdir(), 'ebpfsh-tmux-')));
    const conf = join(dir, 'tmux.conf');
    writeFileSync(conf, 'set -g remain-on-exit on\n');
    // The status goes through a file: tmux 3.3 sometimes never fills in
    // #{pane_dead_status} when the pty closes before the program is reaped.
    this.statusFile = join(dir, 'status');
    const quoted = `'${command.replace(/'/g, `'\\''`)}'`;
    this.tmux(['-f', conf, 'new-session', '-d', '-s', 'shell', '-x', String(cols), '-y', String(rows), `sh -c ${quoted}; echo $? > ${this.statusFile}`]);
  }

  /** Sends literal text (one chunk), then Enter when asked: tmux delivers "text\r" at once. */
  type(text: string, enter = true): void {
    this.tmux(['send-keys', '-t', this.target, '-l', text]);
    if (enter) this.tmux(['send-keys', '-t', this.target, 'Enter']);
  }

  /** Resizes the terminal, as a responder dragging the window would. */
  resize(cols: number, rows: number): void {
    this.tmux(['resize-window', '-t', 'shell:0', '-x', String(cols), '-y', String(rows)]);
  }

  /** Sends named keys (Enter, Escape, C-c, Up, ...). */
  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...keys]);
  }

  /** The visible screen as text (with -e: with the attributes tmux keeps, as escapes). */
  screen(escapes = false): string {
    return this.tmux(['capture-pane', '-p', '-t', this.target, ...(escapes ? ['-e'] : [])]);
  }

  /** A pane/window format value, e.g. #{pane_title}, #{alternate_on}, #{pane_dead}. */
  display(format: string): string {
    return this.tmux(['display-message', '-p', '-t', this.target, format]).trim();
  }

  /** Runs a shell line in another window of the same session (another pane, as a second terminal). */
  runElsewhere(command: string): void {
    this.tmux(['new-window', '-d', '-t', 'shell', command]);
  }

  /** Copies every byte the program writes to the pane into `file`. */
  pipeTo(file: string): void {
    this.tmux(['pipe-pane', '-o', '-t', this.target, `cat >> ${file}`]);
  }

  /** Waits until the screen matches (holds the text, matches the pattern, or passes the check); returns it. */
  async waitFor(what: string | RegExp | ((screen: string) => boolean), ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (typeof what === 'string' ? s.includes(what) : typeof what === 'function' ? what(s) : what.test(s)) return s;
      if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what} on screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits until the program has exited; returns its status (128 + signal when a signal killed it). */
  async waitExit(ms = 10_000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const status = existsSync(this.statusFile) ? readFileSync(this.statusFile, 'utf8').trim() : '';
      if (status !== '') return Number(status);
      if (Date.now() > end) throw new Error(`the shell did not exit within ${ms} ms:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Pid of the program (the child of the pane's `sh -c` that records the status). */
  pid(): number {
    const sh = this.display('#{pane_pid}');
    const child = execFileSync('pgrep', ['-P', sh], { encoding: 'utf8' }).trim().split('\n')[0];
    return Number(child);
  }

  /** Ends the tmux server and removes its config and status files. */
  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads a file that may not exist yet. */
export function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
