import { displayZone, displayZoneChoice, localZoneName, parseZoneChoice, setDisplayZone, zoneLabel } from '../../text/index.js';
import type { ShellCommand, ShellContext } from './types.js';

const USAGE = 'set tz utc|local|host';

/** The recording host's zone: a replay's capture says it; the live shell runs on the host itself (its own zone). */
function hostZoneOf(ctx: ShellContext): string | null {
  return ctx.replay ? ctx.replay.reader.hostZone() : localZoneName();
}

/** `:set tz utc|local|host`: the zone every time on screen is shown in. Only `tz` for now; other keys are an error that names it. */
export const setCommand: ShellCommand = {
  name: 'set',
  aliases: [],
  usage: USAGE,
  summary: 'display settings: tz utc|local|host (the zone times are shown in)',
  help: [
    'tz utc    times in UTC',
    "tz local  times in this machine's zone",
    "tz host   times in the recording host's zone (a replay's capture keeps it; live, the same as local)",
    'every header names the zone; :set tz alone shows the current one',
  ],
  complete(_ctx, args, word) {
    if (args.length === 0) return ['tz'].filter((k) => k.startsWith(word));
    if (args.length === 1 && args[0] === 'tz') return ['utc', 'local', 'host'].filter((k) => k.startsWith(word));
    return [];
  },
  run(ctx, args) {
    const [key, value, ...rest] = args;
    if (key === undefined) return { kind: 'error', message: `usage: ${USAGE}` };
    if (key !== 'tz') return { kind: 'error', message: `unknown setting '${key.slice(0, 40)}': only tz can be set (usage: ${USAGE})` };
    const now = () => zoneLabel(displayZone(), Date.now());
    if (value === undefined) return { kind: 'ok', lines: [`tz ${displayZoneChoice()}: times in ${now()}`] };
    const choice = parseZoneChoice(value);
    if (choice === null || rest.length) return { kind: 'error', message: `'${[value, ...rest].join(' ').slice(0, 40)}' is not a zone choice (usage: ${USAGE})` };
    setDisplayZone(choice, hostZoneOf(ctx));
    return { kind: 'ok', lines: [`tz ${choice}: times in ${now()}`] };
  },
};
