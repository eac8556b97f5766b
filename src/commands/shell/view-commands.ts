import type { ShellCommand } from './types.js';

/** `:pause`: freeze the event pane (events keep arriving, and are captured). */
export const pauseCommand: ShellCommand = {
  name: 'pause',
  aliases: [],
  usage: 'pause',
  summary: 'freeze the event pane (probes keep running; the capture keeps everything)',
  run(ctx) {
    ctx.view.setPaused(true);
    return { kind: 'ok', lines: ['paused (resume to go on)'] };
  },
};

/** `:resume`: unfreeze the event pane. */
export const resumeCommand: ShellCommand = {
  name: 'resume',
  aliases: [],
  usage: 'resume',
  summary: 'unfreeze the event pane',
  run(ctx) {
    ctx.view.setPaused(false);
    return { kind: 'ok', lines: ['resumed'] };
  },
};

/** `:clear`: empty the event pane. */
export const clearCommand: ShellCommand = {
  name: 'clear',
  aliases: ['cls'],
  usage: 'clear',
  summary: 'empty the event pane (the capture keeps everything)',
  run(ctx) {
    ctx.view.clear();
    return { kind: 'ok', lines: ['cleared'] };
  },
};

/** `:quit`: detach everything, finalize the capture, restore the terminal. */
export const quitCommand: ShellCommand = {
  name: 'quit',
  aliases: ['q', 'exit'],
  usage: 'quit',
  summary: 'detach every probe, finalize the capture and leave',
  run: () => ({ kind: 'quit' }),
};
