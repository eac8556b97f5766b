import { Box, Text } from 'ink';
import { memo } from 'react';
import { headerFor } from '../../commands/event-format.js';
import { columnsFor } from './event-columns.js';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';

/**
 * One line of the table, keyed by its place on screen, not by its event: as
 * new events push the rows up, ink keeps its nodes and only their text
 * changes; a line whose text and selection did not change is not rendered again.
 */
const EventRow = memo(function EventRow({ text, selected }: { text: string; selected: boolean }) {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {text}
    </Text>
  );
});

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
      {vp.rows.map((r, i) => (
        // cut to the width first: ink's own truncation measures the whole line
        <EventRow key={i} text={guard(model.rowText(r, layout).slice(0, columns))} selected={r.seq === vp.selectedSeq} />
      ))}
    </Box>
  );
}
