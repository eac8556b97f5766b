import { Box, useInput } from 'ink';
import { useCallback } from 'react';
import { CommandLine } from './CommandLine.js';
import { EventPane } from './EventPane.js';
import { StatusLine } from './StatusLine.js';
import { TextPane } from './TextPane.js';
import { Transcript } from './Transcript.js';
import { useInterval } from './use-interval.js';
import { useModel } from './use-model.js';
import { useTerminalSize } from './use-terminal-size.js';
import type { ShellModel } from './shell-model.js';

/** Rows besides the main pane: status, transcript (2), command line, and one spare so ink never clears the screen. */
const CHROME_ROWS = 5;
/** Transcript rows. */
const TRANSCRIPT_ROWS = 2;

/** The interactive shell: status line, event/detail/pager pane, transcript, command line. */
export function Shell({ model, columns, rows }: { model: ShellModel; columns?: number; rows?: number }) {
  useModel(model);
  const size = useTerminalSize({ columns, rows });
  useInput(useCallback((input, key) => model.input(input, key), [model]));
  useInterval(useCallback(() => model.sampleCounters(), [model]), 1000);
  const paneHeight = Math.max(3, size.rows - CHROME_ROWS);
  model.pageRows = paneHeight - 1;
  const pane = model.pane;
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <StatusLine model={model} />
      {pane.kind === 'events' ? (
        <EventPane model={model} height={paneHeight} columns={size.columns} />
      ) : (
        <TextPane title={pane.title} lines={pane.lines} scroll={pane.scroll} height={paneHeight} />
      )}
      <Transcript model={model} height={TRANSCRIPT_ROWS} />
      <CommandLine model={model} />
    </Box>
  );
}
