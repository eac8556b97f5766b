import { commonKeyDocs } from '../../event/index.js';
import { PROBES } from '../../probes/index.js';
import { compileViewFilter, viewFilterWarnings } from './view-filter.js';
import type { ShellCommand } from './types.js';
import { completeFilterWord } from './words.js';

/** `:filter <filters>` / `:filter off`: a view filter over what arrives (same grammar, userspace). */
export const filterCommand: ShellCommand = {
  name: 'filter',
  aliases: ['f'],
  usage: 'filter [filters...|off]',
  summary: 'show only matching events (userspace, over what arrives); off: show all',
  help: [
    'the same grammar as attach; it hides events from the view only (the capture keeps everything)',
    'a key only some probes have (path, dport, ...) applies to those probes; the others\' events pass it:',
    '  filter path!=/usr/ hides library opens and keeps the events of probes without a path; the status line marks those (path n/a)',
    'a key no attached probe has is a warning (it hides nothing until such a probe is attached); a key no probe has is an error',
    ...Object.entries(commonKeyDocs()).map(([k, d]) => `  ${k.padEnd(7)} ${d.doc} (e.g. ${d.example})`),
    ...PROBES.flatMap((p) => Object.entries(p.filterKeys).map(([k, d]) => `  ${k.padEnd(7)} ${p.name}: ${d.doc} (e.g. ${d.example})`)),
  ],
  complete(ctx, args, word) {
    const keys = completeFilterWord(ctx, word);
    return args.length === 0 ? [...['off'].filter((w) => w.startsWith(word)), ...keys] : keys;
  },
  run(ctx, args) {
    if (args.length === 0) {
      const f = ctx.view.filter();
      return { kind: 'ok', lines: [f ? `view filter: ${f.text} (filter off: show all)` : 'no view filter (e.g. filter comm=curl)'] };
    }
    if (args.length === 1 && args[0] === 'off') {
      ctx.view.setFilter(null);
      return { kind: 'ok', lines: ['view filter off'] };
    }
    // Replay: the capture's probes; live: what is attached for the view (not the capture's own probes, hidden from it).
    const shown = ctx.replay
      ? ctx.replay.reader.schema.probes.filter((p) => !ctx.capture.isBackground(p.name))
      : ctx.engine.attachments().map((a) => a.probe).filter((p) => !ctx.capture.isBackground(p.name));
    const f = compileViewFilter(args, ctx.processes, shown);
    ctx.view.setFilter(f);
    return { kind: 'ok', lines: [`view filter: ${f.text}`, ...viewFilterWarnings(f, shown)] };
  },
};
