import { dashCommand } from './dash.js';
import { setCommand } from './set.js';
import { escapeTerminal } from '../../text/index.js';
import { UsageError } from '../errors.js';
import { formatInfo, userSummary } from '../info-command.js';
import { formatTree } from '../tree-command.js';
import { formatPs, resolvePsTime } from '../ps-command.js';
import { queryCommand } from './capture-commands.js';
import { filterCommand } from './filter.js';
import { helpCommand } from './help.js';
import type { ReplayControl } from '../../session/index.js';
import { shownTime, resolveGoto } from '../../session/index.js';
import type { ShellCommand, ShellContext } from './types.js';
import { clearCommand, quitCommand } from './view-commands.js';

function replayOf(ctx: ShellContext): ReplayControl {
  if (!ctx.replay) throw new UsageError('this command works in replay only (ebpfsh replay FILE)');
  return ctx.replay;
}

/** `14:03:15.250 (35%)`: a replay position as the event pane's clock shows it. */
export function positionText(r: ReplayControl, ns = r.now()): string {
  const s = r.span();
  const pct = s.endNs > s.startNs ? Math.round(((ns - s.startNs) * 100) / (s.endNs - s.startNs)) : 100;
  return `${shownTime(ns + s.offsetNs)} (${Math.max(0, Math.min(100, pct))}%)`;
}

/** `10x`, `max`. */
export function speedText(speed: number): string {
  return Number.isFinite(speed) ? `${speed}x` : 'max';
}

/** Parses `1`, `10x`, `100`, `max` (also `fast`, `0` for as fast as possible). */
export function parseSpeed(word: string): number {
  const w = word.toLowerCase();
  if (w === 'max' || w === 'fast' || w === '0' || w === 'inf') return Infinity;
  const n = Number(w.replace(/x$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n > 1e6) throw new UsageError(`'${word}' is not a speed (1, 10, 100, max)`);
  return n;
}

/** `:goto <time>`: move the replay position. */
export const gotoCommand: ShellCommand = {
  name: 'goto',
  aliases: ['g', 'seek'],
  usage: 'goto <14:03:15|+30s|-10s|50%|note N|start|end>',
  summary: 'move the replay to a time of the capture (clock as shown), relative, or to a note',
  help: ['14:03:15[.250]  in the zone the event pane shows (:set tz)', '+30s -10s +1m30s  from the replay position', '50%  of the capture span', 'note 2  the second note (:notes lists them; ] and [ jump to the next/previous one)'],
  complete: (ctx, args, word) => (args.length ? [] : ['start', 'end', 'note', '+30s', '-10s'].filter((w) => w.startsWith(word))),
  async run(ctx, args) {
    const r = replayOf(ctx);
    const s = r.span();
    const target = resolveGoto(args, { now: r.now(), startNs: s.startNs, endNs: s.endNs, offsetNs: s.offsetNs, notes: r.notes() });
    await r.seek(target);
    return { kind: 'ok', lines: [`at ${positionText(r)}${r.playing() ? '' : ' (paused: Space plays, . steps)'}`] };
  },
};

/** `:speed 1|10|100|max`. */
export const speedCommand: ShellCommand = {
  name: 'speed',
  aliases: ['x'],
  usage: 'speed <1|10|100|max>',
  summary: 'replay speed: times real time, or max (as fast as possible); + and - keys step through them',
  complete: (ctx, args, word) => (args.length ? [] : ['1', '10', '100', 'max'].filter((w) => w.startsWith(word))),
  run(ctx, args) {
    const r = replayOf(ctx);
    if (args.length === 0) return { kind: 'ok', lines: [`speed ${speedText(r.speed())}`] };
    if (args.length !== 1) throw new UsageError('usage: speed <1|10|100|max>');
    r.setSpeed(parseSpeed(args[0]!));
    return { kind: 'ok', lines: [`speed ${speedText(r.speed())}${r.playing() ? '' : ' (paused: Space or :play)'}`] };
  },
};

/** `:play [speed]` (also `:resume`). */
export const playCommand: ShellCommand = {
  name: 'play',
  aliases: ['resume'],
  usage: 'play [speed]',
  summary: 'play the capture from the replay position (Space toggles)',
  help: [
    'keys in the event pane: Space play/pause, . or Right step one event, + and - speed (1x, 10x, 100x, max),',
    '] and [ the next/previous note; the timeline shows what was attached when (█), losses (×), the recorder gap (░), notes (1-9)',
  ],
  run(ctx, args) {
    const r = replayOf(ctx);
    if (args[0]) r.setSpeed(parseSpeed(args[0]));
    r.setPlaying(true);
    return { kind: 'ok', lines: [`playing at ${speedText(r.speed())} from ${positionText(r)}`] };
  },
};

/** `:pause`: stop the replay clock. */
export const replayPauseCommand: ShellCommand = {
  name: 'pause',
  aliases: [],
  usage: 'pause',
  summary: 'pause the replay (Space toggles)',
  run(ctx) {
    const r = replayOf(ctx);
    r.setPlaying(false);
    return { kind: 'ok', lines: [`paused at ${positionText(r)}`] };
  },
};

/** `:step [n]`: show the next n events. */
export const stepCommand: ShellCommand = {
  name: 'step',
  aliases: ['s'],
  usage: 'step [n]',
  summary: 'show the next event (or n) and pause (the . key steps one)',
  run(ctx, args) {
    const r = replayOf(ctx);
    const n = args[0] === undefined ? 1 : Number(args[0]);
    if (!Number.isInteger(n) || n <= 0 || n > 100_000) throw new UsageError('usage: step [n] (n from 1 to 100000)');
    const got = r.step(n);
    return { kind: 'ok', lines: [got ? `stepped ${got} event${got === 1 ? '' : 's'}, at ${positionText(r)}` : 'end of the capture (goto start to replay again)'] };
  },
};

/** `:notes`: the capture's notes, numbered for `:goto note N`. */
export const notesCommand: ShellCommand = {
  name: 'notes',
  aliases: ['marks'],
  usage: 'notes',
  summary: "the capture's notes (goto note N jumps to one)",
  run(ctx) {
    const r = replayOf(ctx);
    const notes = r.notes();
    if (!notes.length) return { kind: 'ok', lines: ['this capture has no notes'] };
    const off = r.span().offsetNs;
    return { kind: 'page', title: 'notes', lines: notes.map((n) => `${String(n.n).padStart(3)}  ${shownTime(n.ts + off)}  ${escapeTerminal(n.text)}`) };
  },
};

/** `:info` (also `:probes`): host, span, what was attached when, losses, notes. */
export const infoCommand: ShellCommand = {
  name: 'info',
  aliases: ['probes'],
  usage: 'info',
  summary: 'the capture: host, kernel, span, what was attached when (journal), users (name(uid) and their events), losses, notes',
  run(ctx) {
    const reader = replayOf(ctx).reader;
    const text = formatInfo(reader.info(), reader.journal() as unknown as Parameters<typeof formatInfo>[1], reader.notes(), undefined, userSummary(reader));
    return { kind: 'page', title: 'info', lines: text.trimEnd().split('\n') };
  },
};

/** `:tree <pid>` in replay: from the capture's process table and events. */
export const replayTreeCommand: ShellCommand = {
  name: 'tree',
  aliases: ['t'],
  usage: 'tree <pid>',
  summary: "ancestors and descendants of a process with their execs, files and connections (from the capture)",
  complete: (ctx, args, word) => (args.length ? [] : ctx.seen.of('pid').filter((p) => p.startsWith(word))),
  async run(ctx, args) {
    const pid = Number(args[0]);
    if (args.length !== 1 || !Number.isInteger(pid) || pid <= 0) throw new UsageError('usage: tree <pid> (e.g. tree 4242)');
    const text = await formatTree(replayOf(ctx).reader, pid);
    return { kind: 'page', title: `tree ${pid}`, lines: text.trimEnd().split('\n') };
  },
};

/** `:ps [time] [--tree]` in replay: the process table at the replay clock (or at `time`), in the pager. */
export const replayPsCommand: ShellCommand = {
  name: 'ps',
  aliases: [],
  usage: 'ps [time] [--tree]',
  summary: 'the process table as it was at the replay position (or at a time): parents, users, exe, argv, how long each had run, connections',
  help: [
    'time: as goto takes it (14:03:15[.250], +30s or -10s from the replay position, 50%, note N, start, end); the replay position by default',
    '--tree  as a tree of parents and children',
    'the same text as: ebpfsh ps FILE --at TIME [--tree]',
  ],
  complete: (ctx, args, word) => ['--tree', 'start', 'end', '+30s', '-10s'].filter((w) => w.startsWith(word)),
  run(ctx, args) {
    const r = replayOf(ctx);
    const tree = args.includes('--tree');
    const words = args.filter((a) => a !== '--tree');
    const bad = words.find((w) => w.startsWith('--'));
    if (bad) throw new UsageError(`'${escapeTerminal(bad)}' is not an option of ps (usage: ps [time] [--tree])`);
    const info = r.reader.info();
    const at = words.length ? resolvePsTime(r.reader, words, r.now(), info) : r.now();
    const text = formatPs(r.reader, at, { tree }, info);
    return { kind: 'page', title: `ps at ${positionText(r, at)}`, lines: text.trimEnd().split('\n') };
  },
};

/** `:ps` in the live shell: a replay command; says where it works. */
export const livePsCommand: ShellCommand = {
  name: 'ps',
  aliases: [],
  usage: 'ps',
  summary: 'replay only: the process table as it was at an instant of a capture',
  help: ['in ebpfsh replay FILE: the table at the replay position; from the command line: ebpfsh ps FILE --at TIME [--tree] [--json]', 'live processes: :tree PID here, or ps(1)'],
  run: () => {
    throw new UsageError(':ps shows a capture at an instant: use it in ebpfsh replay FILE, or run ebpfsh ps FILE --at TIME (live processes: :tree PID, or ps)');
  },
};

/** A live-only command that says why it does nothing in replay. */
function liveOnly(name: string, usage: string, aliases: string[] = []): ShellCommand {
  return {
    name,
    aliases,
    usage,
    summary: 'live shell only: does not apply to a capture',
    run: () => {
      throw new UsageError(`:${name} does not apply to a capture: replay shows what was recorded (:info lists what was attached when; run sudo ebpfsh to trace live)`);
    },
  };
}

/** The commands of `ebpfsh replay`, in the order `:help` lists them. */
export const REPLAY_COMMANDS: readonly ShellCommand[] = [
  playCommand,
  replayPauseCommand,
  speedCommand,
  stepCommand,
  gotoCommand,
  notesCommand,
  filterCommand,
  queryCommand,
  replayTreeCommand,
  replayPsCommand,
  infoCommand,
  dashCommand,
  clearCommand,
  setCommand,
  helpCommand,
  quitCommand,
  liveOnly('attach', 'attach', ['a']),
  liveOnly('detach', 'detach', ['d']),
  liveOnly('record', 'record', ['w']),
  liveOnly('stop', 'stop'),
  liveOnly('mark', 'mark', ['m']),
];
