import { findProbe } from '../../probes/index.js';
import { UsageError } from '../errors.js';
import type { Attachment } from '../../engine/index.js';
import type { ShellCommand, ShellContext } from './types.js';

function resolve(ctx: ShellContext, word: string): Attachment[] {
  const attached = ctx.engine.attachments();
  if (word === 'all') return attached.filter((a) => !ctx.capture.isBackground(a.probe.name));
  if (/^\d+$/.test(word)) {
    const a = attached[Number(word) - 1];
    if (!a) throw new UsageError(`no attachment #${word} (see :probes; ${attached.length} attached)`);
    return [a];
  }
  const probe = findProbe(word);
  if (!probe) throw new UsageError(`unknown probe '${word}' (attached: ${attached.map((a) => a.probe.name).join(', ') || 'none'})`);
  const a = attached.find((x) => x.probe === probe);
  if (!a) throw new UsageError(`${probe.name} is not attached`);
  return [a];
}

/** `:detach <probe|id|all>` */
export const detachCommand: ShellCommand = {
  name: 'detach',
  aliases: ['d'],
  usage: 'detach <probe|id|all>',
  summary: 'detach a probe (by name or the # shown by :probes), or all',
  // the unload (a kernel grace period) runs on a worker thread: engine detachMany
  instant: true,
  complete(ctx, args, word) {
    if (args.length) return [];
    const attached = ctx.engine.attachments();
    return [...attached.map((a) => a.probe.name), ...attached.map((_, i) => String(i + 1)), 'all'].filter((w) => w.startsWith(word));
  },
  run(ctx, args) {
    if (args.length === 0) throw new UsageError('usage: detach <probe|id|all>');
    const targets = args.flatMap((w) => resolve(ctx, w));
    if (targets.length === 0) return { kind: 'ok', lines: ['nothing attached'] };
    const gone = [...new Set(targets)];
    // Together: one unload for a profile's probes (one grace period, off the UI thread), not one each.
    ctx.engine.detachMany(gone.map((a) => a.probe));
    for (const a of gone) ctx.capture.journal({ action: 'detach', attachment: a });
    return { kind: 'ok', lines: gone.map((a) => `detached ${a.probe.name}`) };
  },
};
