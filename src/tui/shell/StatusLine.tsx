import { Text } from 'ink';
import { formatBytes, formatDuration, formatRate } from '../../commands/shell/index.js';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';
import { summarizeProbes } from './probe-summary.js';

/** One line: attached probes (summed up when many) with filters, events/s, losses and degraded deliveries (apart), view filter, capture, follow state. */
export function StatusLine({ model }: { model: ShellModel }) {
  const probes = model.probeStatus();
  const summary = summarizeProbes(probes);
  const view = model.filter();
  const cap = model.captureStats;
  const state = model.paused() ? `PAUSED${model.pausedNew ? ` (+${model.pausedNew} new)` : ''}` : model.follow ? 'following' : 'scrolled (End: follow)';
  return (
    <Text wrap="truncate-end">
      {probes.length === 0 ? (
        <Text color="yellow">no probe attached (:attach execve uid=1000, :help)</Text>
      ) : (
        <>
          {summary.group ? (
            <Text>
              <Text bold color="cyan">
                {summary.group.count} probes
              </Text>
              {summary.group.filters ? ` ${guard(summary.group.filters)}` : ''} {formatRate(summary.group.rate)}
              {summary.group.busiest.length ? ` (busiest ${summary.group.busiest.map((p) => `${p.name} ${formatRate(p.rate)}`).join(', ')})` : ''}
            </Text>
          ) : null}
          {summary.listed.map((p, i) => (
            <Text key={p.name}>
              {i > 0 || summary.group ? ' │ ' : ''}
              <Text bold color="cyan">
                {p.name}
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
          ))}
        </>
      )}
      {view ? <Text color="magenta"> │ view: {guard(view.text)}</Text> : null}
      {cap ? (
        <Text color="green">
          {' '}
          │ rec {guard(cap.path)} {formatBytes(cap.bytes)} {formatDuration(Date.now() - cap.startedAt)}
        </Text>
      ) : null}
      <Text color={model.paused() ? 'yellow' : undefined} dimColor={!model.paused()}>
        {' '}
        │ {state}
      </Text>
      {model.running ? <Text color="yellow"> │ running :{guard(model.running)}…</Text> : null}
    </Text>
  );
}
