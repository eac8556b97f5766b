import { Box, Text, type Key } from 'ink';
import { useCallback, useSyncExternalStore } from 'react';
import { positionText, speedText } from '../../commands/shell/replay-commands.js';
import { errorLine } from '../../commands/errors.js';
import { escapeTerminal } from '../../text/index.js';
import { guard } from '../guard.js';
import { ShellBody, TRANSCRIPT_ROWS } from '../shell/ShellBody.js';
import { useModel } from '../shell/use-model.js';
import { useShellInput } from '../shell/use-shell-input.js';
import { useTerminalSize } from '../use-terminal-size.js';
import type { ShellModel } from '../shell/shell-model.js';
import type { ReplayHeader } from './replay-header.js';
import type { ReplaySource } from './replay-source.js';
import { positionCell, timelineRows, type TimelineData } from './timeline.js';

const LABEL = 13;
const LIVE_ANCESTRY = 'ancestry (events seen, else /proc now):';

/**
 * Replay keys, in the event pane only (elsewhere every key goes to the shell):
 * Space play/pause, . or Right step, + and - speed, ] and [ next/previous note.
 * Returns true when the key was a replay key.
 */
export function replayKey(model: ShellModel, source: ReplaySource, input: string, key: Key): boolean {
  if (model.mode !== 'events' || model.pane.kind !== 'events' || key.ctrl || key.meta) return false;
  if (input === ' ') {
    source.setPlaying(!source.playing());
  } else if (input === '.' || key.rightArrow) {
    if (!source.step(1)) model.say('end of the capture (:goto start to replay again)', 'info');
  } else if (input === '+' || input === '-') {
    source.bumpSpeed(input === '+' ? 1 : -1);
    model.say(`speed ${speedText(source.speed())}`, 'info');
  } else if (input === ']' || input === '[') {
    const note = source.adjacentNote(input === ']' ? 1 : -1);
    if (!note) model.say(source.notes().length ? `no ${input === ']' ? 'later' : 'earlier'} note` : 'this capture has no notes', 'error');
    else
      void source.seek(note.ts).then(
        () => model.say(`note ${note.n} at ${positionText(source, note.ts)}: ${escapeTerminal(note.text)}`, 'info'),
        (e: unknown) => model.say(`cannot seek: ${errorLine(e)}`, 'error'),
      );
  } else return false;
  return true;
}

/** Key handling of the replay screen: replay keys, then the shell's own. */
export function replayInput(model: ShellModel, source: ReplaySource, input: string, key: Key): void {
  key = model.escapeFirst(key);
  // Keys pressed quickly can arrive as one chunk ("++"): when every one is a replay key, take each.
  const each = input.length > 1 && /^[ .+\-[\]]+$/.test(input) && model.mode === 'events' && model.pane.kind === 'events';
  if (each) for (const ch of input) replayKey(model, source, ch, key);
  if (each || replayKey(model, source, input, key)) model.keyTakenElsewhere();
  else model.input(input, key);
  // The detail pane is the live one; in replay its ancestry comes from the capture.
  if (model.pane.kind === 'detail') {
    const i = model.pane.lines.indexOf(LIVE_ANCESTRY);
    if (i >= 0) model.pane.lines[i] = "ancestry (the capture's process table at the replay position):";
  }
}

function Header({ header }: { header: ReplayHeader }) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {guard(header.title)}
      </Text>
      {header.warnings.length ? (
        header.warnings.map((w) => (
          <Text key={w} color="red" bold wrap="truncate-end">
            {guard(w)}
          </Text>
        ))
      ) : (
        <Text color="green" wrap="truncate-end">
          {guard(header.clean)}
        </Text>
      )}
    </Box>
  );
}

function Status({ model, source }: { model: ShellModel; source: ReplaySource }) {
  const view = model.filter();
  const state = source.ended ? '■ end of capture' : source.playing() ? `▶ playing ${speedText(source.speed())}` : `❚❚ paused (${speedText(source.speed())})`;
  return (
    <Text wrap="truncate-end">
      <Text bold color={source.playing() ? 'green' : 'yellow'}>
        {state}
      </Text>
      {' │ '}
      {positionText(source)}
      {source.behind ? <Text color="yellow"> │ behind: the capture is denser than this speed</Text> : null}
      {view ? <Text color="magenta"> │ view: {guard(view.text)}</Text> : null}
      <Text dimColor> │ {model.follow ? 'following' : 'scrolled (End: follow)'}</Text>
      {model.running ? <Text color="yellow"> │ running :{guard(model.running)}…</Text> : null}
    </Text>
  );
}

/** Cells grouped into runs of one style: a few Text nodes a row instead of one per cell. */
function runs(cells: string, alarm: boolean[], at: number): { text: string; color?: string; inverse: boolean }[] {
  const out: { text: string; color?: string; inverse: boolean }[] = [];
  [...cells].forEach((ch, i) => {
    const color = alarm[i] ? 'red' : ch === '█' ? 'cyan' : undefined;
    const inverse = i === at;
    const last = out[out.length - 1];
    if (last && last.color === color && last.inverse === inverse) last.text += ch;
    else out.push({ text: ch, color, inverse });
  });
  return out;
}

function Timeline({ data, source, columns }: { data: TimelineData | null; source: ReplaySource; columns: number }) {
  if (!data) return <Text dimColor>timeline: reading the journal and losses…</Text>;
  const cells = Math.max(10, columns - LABEL - 1);
  const at = positionCell(data, source.now(), cells);
  return (
    <Box flexDirection="column">
      {timelineRows(data, cells).map((r) => (
        <Text key={r.label} wrap="truncate-end">
          <Text dimColor>{guard(r.label.slice(0, LABEL - 1).padEnd(LABEL))}</Text>
          {runs(r.cells, r.alarm, at).map((run, i) => (
            <Text key={i} color={run.color} inverse={run.inverse}>
              {run.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}

/**
 * The replay screen: the capture's header, the replay status and the
 * timeline strip above the live shell's own event/detail/pager pane,
 * transcript and command line.
 */
export function ReplayShell({ model, source, header, timeline, columns, rows }: { model: ShellModel; source: ReplaySource; header: ReplayHeader | (() => ReplayHeader); timeline: () => TimelineData | null; columns?: number; rows?: number }) {
  useModel(model);
  // A function when the header can change (:set tz re-labels its times).
  const head = typeof header === 'function' ? header() : header;
  useSyncExternalStore(source.subscribe, source.getVersion);
  const size = useTerminalSize({ columns, rows });
  useShellInput(useCallback((input, key) => replayInput(model, source, input, key), [model, source]));
  const data = timeline();
  const chrome = 1 + Math.max(1, head.warnings.length) + 1 + (data ? data.probes.length + 1 + (data.unwatched?.length ? 1 : 0) : 1) + TRANSCRIPT_ROWS + 1 + 1;
  const paneHeight = Math.max(3, size.rows - chrome);
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <Header header={head} />
      <Status model={model} source={source} />
      <Timeline data={data} source={source} columns={size.columns} />
      <ShellBody model={model} paneHeight={paneHeight} columns={size.columns} />
    </Box>
  );
}
