import { Box, Text } from 'ink';
import { headerFor } from '../../commands/event-format.js';
import { columnsFor } from './event-columns.js';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';

/** The event list: a header and the rows that fit, newest at the bottom; the selection inverse. Columns give way to DETAIL as the terminal narrows. */
export function EventPane({ model, height, columns }: { model: ShellModel; height: number; columns: number }) {
  const vp = model.viewport(height - 1);
  const layout = columnsFor(columns);
  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {headerFor(layout)}
        <Text dimColor>
          {'  '}
          {vp.total ? `${vp.first + 1}-${vp.first + vp.rows.length} of ${vp.total}` : 'no events yet'}
          {` │ ${model.timesLabel(vp.rows[0])}`}
        </Text>
      </Text>
      {vp.rows.map((r) => (
        <Text key={r.seq} wrap="truncate-end" inverse={r.seq === vp.selectedSeq}>
          {/* cut to the width first: ink's own truncation measures the whole line */}
          {guard(model.rowText(r, layout).slice(0, columns))}
        </Text>
      ))}
    </Box>
  );
}
