import { UsageError } from '../errors.js';
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

/** `:noise on|off`: show or fold the events a responder rarely needs (library and locale opens) in the view. */
export const noiseCommand: ShellCommand = {
  name: 'noise',
  aliases: [],
  usage: 'noise [on|off]',
  summary: 'off: fold shared-library and locale opens from the view (counted on the status line; the capture keeps everything); on: show them',
  help: [
    'what the probes call noise: read-only opens of shared libraries (*.so*, /lib*, /usr/lib*), locale and gconv data,',
    '/etc/ld.so.cache and /proc/self/: what every process start opens (ebpfsh tree counts the same opens instead of listing them)',
    'a write or create is never noise; the status line shows (N folded); :filter still applies to what is left',
  ],
  complete: (_ctx, args, word) => (args.length ? [] : ['on', 'off'].filter((w) => w.startsWith(word))),
  run(ctx, args) {
    const now = ctx.view.noise();
    if (args.length === 0) return { kind: 'ok', lines: [now.shown ? 'noise shown (noise off: fold library and locale opens)' : `noise folded: ${now.folded} events (noise on: show them)`] };
    if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) throw new UsageError('usage: noise on|off (off folds library and locale opens from the view)');
    ctx.view.setNoise(args[0] === 'on');
    const after = ctx.view.noise();
    return { kind: 'ok', lines: [after.shown ? 'noise shown' : `noise folded from the view (${after.folded} so far; the capture keeps everything)`] };
  },
};
