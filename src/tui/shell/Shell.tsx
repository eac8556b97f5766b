import { Box } from 'ink';
import { useCallback } from 'react';
import { ShellBody } from './ShellBody.js';
import { StatusLine } from './StatusLine.js';
import { useInterval } from '../use-interval.js';
import { useModel } from './use-model.js';
import { useShellInput } from './use-shell-input.js';
import { useTerminalSize } from '../use-terminal-size.js';
import type { ShellModel } from './shell-model.js';

/** Rows besides the main pane: status, transcript (2), command line, and one spare so ink never clears the screen. */
const CHROME_ROWS = 5;

/** The interactive shell: status line, event/detail/pager pane, transcript, command line. */
export function Shell({ model, columns, rows }: { model: ShellModel; columns?: number; rows?: number }) {
  useModel(model);
  const size = useTerminalSize({ columns, rows });
  useShellInput(useCallback((input, key) => model.input(input, key), [model]));
  useInterval(useCallback(() => model.sampleCounters(), [model]), 1000);
  const paneHeight = Math.max(3, size.rows - CHROME_ROWS);
  return (
    <Box flexDirection="column" width={size.columns} height={size.rows - 1}>
      <StatusLine model={model} />
      <ShellBody model={model} paneHeight={paneHeight} columns={size.columns} />
    </Box>
  );
}
