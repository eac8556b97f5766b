import { duration } from '../../commands/capture-time.js';
import { positionText } from '../../commands/shell/replay-commands.js';
import { shownTime, type ReplayControl } from '../../session/index.js';
import { isDeliveredCause } from '../../engine/losses.js';
import { dateIn, displayZone, escapeTerminal, zoneLabel } from '../../text/index.js';
import type { CaptureInfo } from '../../store/index.js';

/** The header of a replay: what was recorded where and when, and what to distrust. */
export interface ReplayHeader {
  /** host, kernel, span, command line */
  title: string;
  /** Losses and an unclean stop, one line each (shown red). */
  warnings: string[];
  /** Shown when there is nothing to warn about. */
  clean: string;
}


/** Builds the header from `CaptureReader.info()`; every string from the capture escaped. */
export function replayHeader(info: CaptureInfo, endNs: number): ReplayHeader {
  const e = escapeTerminal;
  const off = info.clockOffsetNs;
  const startMs = (info.startNs + off) / 1e6;
  // The zone once, here: the event pane's times, the notes and :goto are all in it.
  const span = `${dateIn(displayZone(), startMs)} ${shownTime(info.startNs + off)} -> ${shownTime(endNs + off)} (${zoneLabel(displayZone(), startMs)}) (${duration(endNs - info.startNs)}${info.endNs === null ? ', end unknown' : ''})`;
  const title = `replay ${e(info.path)} │ host ${e(info.hostname)} │ kernel ${e(info.kernelRelease)} │ ${span} │ ${info.commandLine.map((a) => e(a)).join(' ')}`;
  const warnings: string[] = [];
  const counted = info.losses.filter((l) => l.count === null || l.count > 0);
  // string_fault and truncated count events that are in the capture (a field cut or unreadable): never "lost".
  const lost = counted.filter((l) => !isDeliveredCause(l.cause));
  const degraded = counted.filter((l) => isDeliveredCause(l.cause));
  if (lost.length) {
    const total = lost.reduce((s, l) => s + (l.count ?? 0), 0);
    const unknown = lost.some((l) => l.count === null);
    warnings.push(`LOSSES: ${total}${unknown ? '+' : ''} events lost: ${lost.map((l) => `${e(l.probe ?? 'all probes')} ${e(l.cause)} ${l.count ?? '?'}`).join(', ')} (× on the timeline)`);
  }
  if (!info.cleanStop) {
    const gap = info.gap ? `events after ${shownTime(info.gap.startNs + off)} may be missing${info.gap.endNs ? ` (until ${shownTime(info.gap.endNs + off)})` : ''}` : 'the end may be missing';
    if (info.unfinished && info.unfinished.reason !== 'died')
      warnings.push(`NOT FINALIZED: still being written, or copied without its -wal: copy both, or wait for the stop; ${gap} (░ on the timeline)`);
    else warnings.push(`UNCLEAN STOP (${e(info.stopReason ?? 'recorder died')}): ${gap} (░ on the timeline)`);
  }
  // tables with events only: a capture holds a table for every probe its build knew; the timeline shows what was attached
  const counts = Object.entries(info.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
  const cut = degraded.length ? ` │ degraded (recorded, a field cut or unreadable): ${degraded.map((l) => `${e(l.probe ?? 'all probes')} ${e(l.cause)} ${l.count ?? '?'}`).join(', ')}` : '';
  if (warnings.length && cut) warnings.push(cut.slice(3));
  return { title, warnings, clean: `stopped cleanly (${e(info.stopReason ?? 'stop')}), nothing lost │ ${counts || 'no events'}${cut}` };
}

/** The keys a replay offers, said on opening. */
const REPLAY_KEYS = 'Space plays, + - speed, . steps, ] [ next/previous note, :goto 14:03:15 | +30s | note 1, :help';

/**
 * The first transcript line of a replay: where it opened, as the clock stands
 * (the first screen moves it to its last event, which may be mid-capture or
 * the end), never "at the start" unless it is there.
 */
export function openingLine(at: { control: ReplayControl; ended: boolean; shown: number }): string {
  const { control, ended, shown } = at;
  if (ended) return `paused at the end: all ${shown} events shown (Space plays again from the start; :goto start): ${REPLAY_KEYS}`;
  if (control.now() <= control.span().startNs) return `paused at the start: ${REPLAY_KEYS}`;
  return `paused in the middle, at ${positionText(control)}: the first ${shown} events shown (:goto start to begin again): ${REPLAY_KEYS}`;
}
