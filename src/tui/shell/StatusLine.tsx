import { Text } from 'ink';
import { formatBytes, formatDuration, formatRate } from '../../commands/shell/index.js';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';
import { groupNotApplyingText, probeLabel, summarizeProbes, type ProbeLine } from './probe-summary.js';

/** A ring span as `9m58s`, `45s`, `1h02m`: short, the status line is long already. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** One probe: `tcpconnect (path n/a) 3/s lost 2`; one the program runs for itself is dim. */
function ProbeItem({ probe: p, first }: { probe: ProbeLine; first: boolean }) {
  return (
    <Text>
      {first ? '' : ' │ '}
      <Text bold={!p.background} color="cyan" dimColor={p.background}>
        {guard(probeLabel(p))}
      </Text>
      {p.filters ? ` ${guard(p.filters)}` : ''} {formatRate(p.rate)}
      {p.lost > 0 ? (
        <Text color={p.lossMoving ? 'red' : 'yellow'} bold={p.lossMoving}>
          {' '}
          lost {p.lost}
        </Text>
      ) : null}
      {p.degraded > 0 ? <Text color="yellow"> degraded {p.degraded}</Text> : null}
    </Text>
  );
}

/** One line: attached probes (summed up when many) with filters and the keys that do not apply to each, the program's own probes (marked, beside the capture), events/s, losses and degraded deliveries (apart), view filter, noise fold, capture, the flight ring's span, follow state. */
export function StatusLine({ model }: { model: ShellModel }) {
  const probes = model.probeStatus();
  const summary = summarizeProbes(probes);
  const mine = probes.length - summary.background.length;
  const view = model.filter();
  const noise = model.noise();
  const cap = model.captureStats;
  const ring = model.ringSpanMs();
  const state = model.paused() ? `PAUSED${model.pausedNew ? ` (+${model.pausedNew} new)` : ''}` : model.follow ? 'following' : 'scrolled (End: follow)';
  return (
    <Text wrap="truncate-end">
      {summary.group ? (
        <Text>
          <Text bold color="cyan">
            {summary.group.count} probes
          </Text>
          {summary.group.filters ? ` ${guard(summary.group.filters)}` : ''}
          {summary.group.notApplying.length ? <Text dimColor> ({groupNotApplyingText(summary.group.notApplying)})</Text> : null} {formatRate(summary.group.rate)}
          {summary.group.busiest.length ? ` (busiest ${summary.group.busiest.map((p) => `${p.name} ${formatRate(p.rate)}`).join(', ')})` : ''}
        </Text>
      ) : null}
      {summary.listed.map((p, i) => (
        <ProbeItem key={p.name} probe={p} first={i === 0 && !summary.group} />
      ))}
      {mine === 0 ? (
        summary.background.length ? (
          <>
            {summary.background.map((p, i) => (
              <ProbeItem key={p.name} probe={p} first={i === 0} />
            ))}
            <Text color="yellow"> │ no probe of yours (:attach exec)</Text>
          </>
        ) : (
          <Text color="yellow">no probe attached (:attach execve uid=1000, :help)</Text>
        )
      ) : null}
      {view ? <Text color="magenta"> │ view: {guard(view.text)}</Text> : null}
      {noise.shown ? null : <Text color="magenta"> │ noise off ({noise.folded} folded)</Text>}
      {cap ? (
        <Text color="green">
          {' '}
          │ rec {guard(cap.path)} {formatBytes(cap.bytes)} {formatDuration(Date.now() - cap.startedAt)}
        </Text>
      ) : null}
      {/* beside the user's probes, the capture's own sit after the capture they serve: the recording state matters more */}
      {mine > 0
        ? summary.background.map((p) => (
            <ProbeItem key={p.name} probe={p} first={false} />
          ))
        : null}
      {ring !== null ? <Text dimColor> │ ring {formatSpan(ring)}</Text> : null}
      <Text color={model.paused() ? 'yellow' : undefined} dimColor={!model.paused()}>
        {' '}
        │ {state}
      </Text>
      {model.running ? <Text color="yellow"> │ running :{guard(model.running)}…</Text> : null}
    </Text>
  );
}
