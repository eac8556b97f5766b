/**
 * Command lines run one after the other (a paste of several lines, or typing
 * ahead of a slow :attach): each one's echo is shown before it runs, and
 * nothing more runs once the shell is quitting.
 */
export class CommandQueue<O> {
  /** The name of the command running now, or null. */
  running: string | null = null;
  private readonly queue: string[] = [];
  private stopped = false;

  constructor(
    private readonly hooks: {
      /** The command's name, for the status line. */
      nameOf(text: string): string;
      /** True for a command that never holds the JS thread (its echo needs no frame of its own). */
      instant?(text: string): boolean;
      /** Before it runs: echo it and show the running state. */
      starting(text: string): void;
      /** Runs it: an outcome at once (an instant command) or a promise of one. */
      run(text: string): O | Promise<O>;
      /** After it ran: show its outcome. */
      done(outcome: O, name: string): void;
    },
  ) {}

  /** Queues a line; runs it now if nothing is running. */
  submit(text: string): void {
    this.queue.push(text);
    if (!this.running) void this.drain();
  }

  /** Runs nothing more (the shell is quitting). */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const text = this.queue.shift()!;
      this.running = this.hooks.nameOf(text);
      this.hooks.starting(text);
      // Let the echo reach the screen before a command that blocks (attach loads BPF);
      // an instant one (detach) shows its outcome at once, not a turn of the event loop later (under a storm, one behind the batches).
      if (!this.hooks.instant?.(text)) await new Promise((r) => setTimeout(r, 0));
      const ran = this.hooks.run(text);
      // an outcome at once is shown at once: an instant command's echo and outcome make one frame
      const outcome = ran instanceof Promise ? await ran : ran;
      const name = this.running;
      this.running = null;
      this.hooks.done(outcome, name);
    }
  }
}
