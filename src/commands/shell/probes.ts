import { explainFilters } from '../../event/index.js';
import { PROBES, type ProbeSpec } from '../../probes/index.js';
import { describeProbes } from '../probes-command.js';
import { formatDuration, formatRate } from './format.js';
import type { Attachment } from '../../engine/index.js';
import type { ShellCommand } from './types.js';

/** Samples of event counters, for events/s since the previous :probes. */
const lastSample = new Map<string, { at: number; events: number }>();

/** `:probes [all]`: what is attached, where it runs, events/s, losses; `all`: every probe. */
export const probesCommand: ShellCommand = {
  name: 'probes',
  aliases: ['p', 'ls'],
  usage: 'probes [all]',
  summary: 'attached probes: filters, attach points, events/s, losses (all: every probe)',
  complete: (_ctx, args, word) => (args.length ? [] : ['all'].filter((w) => w.startsWith(word))),
  run(ctx, args) {
    const attached = ctx.engine.attachments();
    if (args[0] === 'all') {
      return { kind: 'page', title: 'probes', lines: describeProbes(new Map<ProbeSpec, Attachment>(attached.map((a) => [a.probe, a]))).split('\n') };
    }
    const counters = new Map(ctx.engine.counters().map((c) => [c.probe, c]));
    const now = Date.now();
    const lines: string[] = [];
    if (!attached.length) lines.push('nothing attached (e.g. attach execve uid=1000)');
    attached.forEach((a, i) => {
      const c = counters.get(a.probe.name);
      const prev = lastSample.get(a.probe.name);
      const since = prev && prev.at >= a.attachedAt ? prev : { at: a.attachedAt, events: 0 };
      const rate = c && now > since.at ? ((c.events - since.events) * 1000) / (now - since.at) : 0;
      if (c) lastSample.set(a.probe.name, { at: now, events: c.events });
      const losses = c ? Object.entries(c.losses).filter(([, n]) => n > 0) : [];
      const bg = ctx.capture.isBackground(a.probe.name) ? '  (attached by the capture for its process table; hidden from the view)' : '';
      lines.push(`#${i + 1} ${a.probe.name}  ${explainFilters(a.filters, a.probe)}${bg}`);
      lines.push(`   via ${a.attachPoints.join(', ')} (loaded in ${a.attachMs.toFixed(0)} ms, up ${formatDuration(now - a.attachedAt)})`);
      if (a.missing.length) lines.push(`   unavailable here: ${a.missing.join('; ')}`);
      lines.push(
        `   ${c?.events ?? 0} events, ${formatRate(rate)}, ${c?.filtered ?? 0} filtered in userspace, losses: ${losses.length ? losses.map(([k, n]) => `${n} ${k}`).join(', ') : 'none'}`,
      );
    });
    const free = PROBES.filter((p) => !attached.some((a) => a.probe === p));
    if (free.length) lines.push(`available: ${free.map((p) => `${p.name} (${p.aliases.join(', ')})`).join(', ')}`);
    return { kind: 'page', title: 'probes', lines };
  },
};
