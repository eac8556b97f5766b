import { explainFilters } from '../../event/index.js';
import { attachedLine, notApplyingNote, planTrace, skippedLine } from '../trace-command.js';
import { UsageError, errorLine } from '../errors.js';
import type { Attachment } from '../../engine/index.js';
import type { ShellCommand } from './types.js';
import { completeFilterWord, probeWords, probesOf } from './words.js';

/** One line per probe attached, or for a profile's many one line naming them all and one per probe that lacks a hook. */
function attachedLines(fresh: Attachment[]): string[] {
  if (fresh.length <= 2) return fresh.map(attachedLine);
  const ms = fresh.reduce((t, a) => t + a.attachMs, 0);
  const partial = fresh.filter((a) => a.missing.length).map(attachedLine);
  return [`attached ${fresh.length} probes in ${ms.toFixed(0)} ms: ${fresh.map((a) => a.probe.name).join(', ')}`, ...partial];
}

/** `:attach <probe[,probe]> [filters]`: loads probes, or changes the filters of attached ones. */
export const attachCommand: ShellCommand = {
  name: 'attach',
  aliases: ['a'],
  usage: 'attach <probe[,probe...]|profile> [filters...]',
  summary: 'attach probes with kernel filters (again: change the filters, no reload)',
  help: [
    'e.g. attach execve uid=1000 | attach open path=/etc/ comm=vi,vim | attach connect follow=4242',
    'profiles: attach forensic (what an intruder leaves) | files | network | all',
    'filters: key=v1,v2 (any of), key!=v (none of), failed; see :help filter for the keys',
    'a key only some of the probes have applies to those (attach forensic path=/tmp/: path n/a to the rest)',
  ],
  complete(ctx, args, word) {
    if (args.length === 0) {
      const comma = word.lastIndexOf(',');
      return probeWords()
        .filter((p) => p.startsWith(word.slice(comma + 1)))
        .map((p) => word.slice(0, comma + 1) + p);
    }
    return completeFilterWord(ctx, word, probesOf(args[0]!));
  },
  async run(ctx, args) {
    if (args.length === 0) throw new UsageError('usage: attach <probe[,probe...]> [filters...] (e.g. attach execve uid=1000)');
    const plan = planTrace(args[0]!, args.slice(1));
    const lines: string[] = [];
    const fresh: Attachment[] = [];
    try {
      for (const probe of plan.probes) {
        const before = ctx.engine.attachments().find((a) => a.probe === probe);
        let a: Attachment;
        // its load ahead, if still under way, is the rest of a load: shorter than one afresh
        if (!before) await ctx.engine.spareLanding?.(probe);
        try {
          a = ctx.engine.attach(probe, plan.filters);
        } catch (e) {
          if (before || !plan.optional.has(probe)) throw e;
          lines.push(skippedLine({ probe, reason: errorLine(e) }));
          continue;
        }
        if (before) lines.push(`${probe.name}: filters now ${explainFilters(plan.filters, probe)}`);
        else fresh.push(a);
        ctx.capture.journal({ action: before ? 'filter' : 'attach', attachment: a });
      }
    } catch (e) {
      // All or nothing for the probes this command loaded.
      for (const a of fresh) {
        ctx.engine.detach(a.probe);
        ctx.capture.journal({ action: 'detach', attachment: a });
      }
      throw e;
    }
    lines.push(...attachedLines(fresh));
    if (fresh.length) lines.push(`filters: ${explainFilters(plan.filters)}${notApplyingNote({ ...plan, probes: fresh.map((a) => a.probe) })}`);
    return { kind: 'ok', lines };
  },
};
